// A Go HTTPS server and client for l7trace's end-to-end tests: Go's own
// crypto/tls, which l7trace probes in the executable (no libssl).
//
//	go_tls server ADDR CERT KEY h1|h2    serves GET /hello and POST /echo
//	go_tls client URL N h1|h2 [WAIT_MS]  N requests on one connection: GET
//	                                     URL?i=K, then prints "STATUS BODY";
//	                                     first waits WAIT_MS (for probes on a
//	                                     program l7trace has not seen yet)
package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	switch os.Args[1] {
	case "server":
		serve(os.Args[2], os.Args[3], os.Args[4], os.Args[5] == "h2")
	case "client":
		n, _ := strconv.Atoi(os.Args[3])
		if len(os.Args) > 5 {
			ms, _ := strconv.Atoi(os.Args[5])
			time.Sleep(time.Duration(ms) * time.Millisecond)
		}
		get(os.Args[2], n, os.Args[4] == "h2")
	}
}

func serve(addr, cert, key string, h2 bool) {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "hello %s\n", r.URL.Query().Get("i"))
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	})
	srv := &http.Server{Addr: addr, Handler: mux}
	if !h2 {
		srv.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	}
	if err := srv.ListenAndServeTLS(cert, key); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func get(url string, n int, h2 bool) {
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: h2}
	if !h2 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	c := &http.Client{Transport: tr}
	for i := 0; i < n; i++ {
		r, err := c.Get(url + "?i=" + strconv.Itoa(i))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		fmt.Printf("%d %s", r.StatusCode, b)
	}
}
