package endpoint

import (
	"encoding/json"
	"net/http"
)

// apiError is a client-facing failure: its message says what is wrong and never includes a key.
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return e.message }

func badRequest(msg string) *apiError { return &apiError{http.StatusBadRequest, msg} }

// errorBody is the JSON body of every non-OFREP error response.
type errorBody struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only values built by this package reach here; a failure is a programming error,
		// reported without details.
		status, b = http.StatusInternalServerError, []byte(`{"success":false,"message":"failed to encode the response"}`)
	}
	writeRawJSON(w, status, b)
}

// mimeJSON is every JSON answer's Content-Type.
const mimeJSON = "application/json"

// Pre-built header values: Header.Set allocates a new []string for every response. Their
// length is their capacity, so an Add elsewhere copies instead of writing into them.
var (
	headerJSON    = []string{mimeJSON}
	headerNoStore = []string{"no-store"}
)

func writeRawJSON(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h["Content-Type"] = headerJSON
	h["Cache-Control"] = headerNoStore
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, errorBody{Message: e.message})
}
