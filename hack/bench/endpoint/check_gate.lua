-- check_gate as an SDK sends it (the body of the endpoint's handler benchmark).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["statsig-api-key"] = os.getenv("KEY") or "secret-load"
wrk.body = '{"gateName":"test_public","user":{"userID":"bench-user","email":"a@statsig.com",' ..
  '"country":"US","custom":{"plan":"pro","level":3},"customIDs":{"companyID":"c1"}}}'
