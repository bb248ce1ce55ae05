-- One POST as an SDK sends it: the body is BODY (wrk.sh sets it per route), the key KEY.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["statsig-api-key"] = os.getenv("KEY") or "secret-load"
wrk.body = os.getenv("BODY")
