// Command xds-sidecar is meshcc's TEST-ONLY stand-in for Envoy (Envoy cannot be installed on the machines meshcc's
// tests run on). It takes its entire configuration from Consul's xDS server over incremental ADS, as Envoy does,
// and only enforces it: listeners, mTLS (certificates, trusted CAs and peer trust bundles), network RBAC built by
// Consul from intentions, tcp_proxy clusters, EDS endpoints, aggregate (failover) clusters. It decides nothing
// itself. It is not a product feature; docs/testing.md says what it covers and what it does not.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	xds := flag.String("xds", "", "the Consul agent's gRPC address (host:port, plaintext)")
	proxyID := flag.String("proxy-id", "", "the sidecar proxy's service id (Envoy's node id)")
	tokenFile := flag.String("token-file", "", "a file holding the ACL token to present as x-consul-token")
	admin := flag.String("admin", "127.0.0.1:0", "loopback address of the admin endpoint (/config, /ready)")
	stdinEOF := flag.Bool("exit-on-stdin-eof", false, "exit when standard input closes (the test that started it is gone)")
	flag.Parse()
	log.SetFlags(0)
	log.SetOutput(os.Stderr)
	if *xds == "" || *proxyID == "" {
		fmt.Fprintln(os.Stderr, "xds-sidecar: -xds and -proxy-id are required")
		os.Exit(2)
	}
	token := ""
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "xds-sidecar: reading the token file: %v\n", err)
			os.Exit(2)
		}
		token = strings.TrimSpace(string(b))
	}
	p := &proxy{res: newResources(), bound: map[string]*boundListener{}}
	ln, err := net.Listen("tcp", *admin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "xds-sidecar: admin listener: %v\n", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/config", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("content-type", "application/json")
		json.NewEncoder(w).Encode(p.snapshot())
	})
	mux.HandleFunc("/ready", func(w http.ResponseWriter, _ *http.Request) {
		cfg := p.cfg.Load()
		p.mu.Lock()
		n := len(p.bound)
		p.mu.Unlock()
		if cfg == nil || len(cfg.listeners) == 0 || n != len(cfg.listeners) {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	go http.Serve(ln, mux)
	// The first line on stdout tells the test where the admin endpoint is.
	fmt.Printf("{\"admin\":%q}\n", ln.Addr().String())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if *stdinEOF {
		go func() {
			io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}
	c := &adsClient{addr: *xds, proxyID: *proxyID, token: token, res: p.res, onChange: p.rebuild}
	c.run(ctx)
}
