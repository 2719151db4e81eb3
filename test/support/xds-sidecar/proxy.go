package main

// The data path: listeners bound as Consul's Listener resources say, each connection taken through the listener's
// first filter chain — TLS server (DownstreamTlsContext) when the chain has a tls transport socket, then the network
// filters in order: envoy.filters.network.rbac (evaluated once, on the authenticated peer) and
// envoy.filters.network.tcp_proxy (to its cluster). Clusters: EDS (endpoints from Consul's ClusterLoadAssignment),
// STATIC / STRICT_DNS / LOGICAL_DNS (the inline load assignment), and envoy.clusters.aggregate (the first child
// cluster with a healthy endpoint, as Envoy's aggregate cluster picks when every child is wholly healthy or wholly
// not). An upstream connection uses the cluster's UpstreamTlsContext. Anything else is refused and logged.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpoint "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	rbacv3 "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	aggregatev3 "github.com/envoyproxy/go-control-plane/envoy/extensions/clusters/aggregate/v3"
	netrbac "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/rbac/v3"
	tcpproxy "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/encoding/protojson"
)

type listenerCfg struct {
	name     string
	address  string
	tls      *tls.Config
	tlsInfo  map[string]any
	rbac     []*rbacv3.RBAC // in filter order
	hasRBAC  bool
	cluster  string
	weighted []*tcpproxy.TcpProxy_WeightedCluster_ClusterWeight
	err      error
}

type clusterCfg struct {
	name     string
	kind     string
	tls      *tls.Config
	tlsInfo  map[string]any
	children []string
	inline   *endpoint.ClusterLoadAssignment
	edsName  string
	timeout  time.Duration
	err      error
}

type config struct {
	listeners map[string]*listenerCfg
	clusters  map[string]*clusterCfg
	endpoints map[string]*endpoint.ClusterLoadAssignment
	applied   map[string]int
}

type proxy struct {
	res   *resources
	cfg   atomic.Pointer[config]
	mu    sync.Mutex
	bound map[string]*boundListener
	rr    sync.Map // cluster -> *atomic.Uint64
	stats sync.Map // key -> *atomic.Int64
}

type boundListener struct {
	address string
	ln      net.Listener
}

func (p *proxy) count(key string) {
	v, _ := p.stats.LoadOrStore(key, &atomic.Int64{})
	v.(*atomic.Int64).Add(1)
}

func event(fields map[string]any) {
	b, _ := json.Marshal(fields)
	log.Print(string(b))
}

func socketAddress(a *core.Address) (string, error) {
	sa := a.GetSocketAddress()
	if sa == nil {
		return "", errors.New("not a socket address")
	}
	return net.JoinHostPort(sa.Address, strconv.Itoa(int(sa.GetPortValue()))), nil
}

func parseListener(l *listener.Listener) *listenerCfg {
	c := &listenerCfg{name: l.Name}
	addr, err := socketAddress(l.Address)
	if err != nil {
		c.err = err
		return c
	}
	c.address = addr
	if len(l.FilterChains) == 0 {
		c.err = errors.New("no filter chain")
		return c
	}
	if len(l.FilterChains) > 1 {
		// Several chains mean filter-chain matching (permissive mTLS, transparent proxy): not implemented, so no
		// chain is guessed; the listener refuses every connection.
		c.err = fmt.Errorf("%d filter chains (filter-chain matching is not supported)", len(l.FilterChains))
		return c
	}
	fc := l.FilterChains[0]
	if ts := fc.TransportSocket; ts != nil {
		if ts.Name != "tls" && ts.Name != "envoy.transport_sockets.tls" {
			c.err = fmt.Errorf("unsupported transport socket %q", ts.Name)
			return c
		}
		d := &tlsv3.DownstreamTlsContext{}
		if err := ts.GetTypedConfig().UnmarshalTo(d); err != nil {
			c.err = err
			return c
		}
		if c.tls, err = serverTLS(d); err != nil {
			c.err = err
			return c
		}
		c.tlsInfo = tlsInfo(d.CommonTlsContext, "")
		c.tlsInfo["requireClientCertificate"] = d.GetRequireClientCertificate().GetValue()
	}
	for _, f := range fc.Filters {
		switch f.Name {
		case "envoy.filters.network.rbac":
			r := &netrbac.RBAC{}
			if err := f.GetTypedConfig().UnmarshalTo(r); err != nil {
				c.err = err
				return c
			}
			c.hasRBAC = true
			c.rbac = append(c.rbac, r.Rules)
		case "envoy.filters.network.tcp_proxy":
			t := &tcpproxy.TcpProxy{}
			if err := f.GetTypedConfig().UnmarshalTo(t); err != nil {
				c.err = err
				return c
			}
			c.cluster = t.GetCluster()
			if w := t.GetWeightedClusters(); w != nil {
				c.weighted = w.Clusters
			}
		default:
			c.err = fmt.Errorf("unsupported network filter %q (the stand-in carries TCP services only)", f.Name)
			return c
		}
	}
	if c.cluster == "" && len(c.weighted) == 0 {
		c.err = errors.New("no tcp_proxy filter")
	}
	return c
}

func tlsInfo(ctx *tlsv3.CommonTlsContext, sni string) map[string]any {
	out := map[string]any{}
	if sni != "" {
		out["sni"] = sni
	}
	if vc, ok := ctx.GetValidationContextType().(*tlsv3.CommonTlsContext_ValidationContext); ok {
		v := vc.ValidationContext
		var sans []string
		for _, m := range v.MatchTypedSubjectAltNames {
			b, _ := protojson.Marshal(m.Matcher)
			sans = append(sans, m.SanType.String()+" "+string(b))
		}
		out["subjectAltNames"] = sans
		if cv := v.GetCustomValidatorConfig(); cv != nil {
			sp := &tlsv3.SPIFFECertValidatorConfig{}
			if cv.TypedConfig.UnmarshalTo(sp) == nil {
				var tds []string
				for _, td := range sp.TrustDomains {
					tds = append(tds, td.Name)
				}
				out["spiffeTrustDomains"] = tds
			}
		} else {
			out["trustedCA"] = v.TrustedCa != nil
		}
	}
	if len(ctx.GetTlsCertificates()) == 1 {
		chain, _ := dataSource(ctx.TlsCertificates[0].CertificateChain)
		if b, _ := pem.Decode([]byte(chain)); b != nil {
			if leaf, err := x509.ParseCertificate(b.Bytes); err == nil {
				var uris []string
				for _, u := range leaf.URIs {
					uris = append(uris, u.String())
				}
				out["certificateURIs"] = uris
			}
		}
	}
	return out
}

func parseCluster(cl *cluster.Cluster) *clusterCfg {
	c := &clusterCfg{name: cl.Name, timeout: 5 * time.Second}
	if d := cl.GetConnectTimeout(); d != nil && d.AsDuration() > 0 {
		c.timeout = d.AsDuration()
	}
	switch t := cl.ClusterDiscoveryType.(type) {
	case *cluster.Cluster_Type:
		switch t.Type {
		case cluster.Cluster_EDS:
			c.kind = "EDS"
			c.edsName = cl.GetEdsClusterConfig().GetServiceName()
			if c.edsName == "" {
				c.edsName = cl.Name
			}
		case cluster.Cluster_STATIC, cluster.Cluster_STRICT_DNS, cluster.Cluster_LOGICAL_DNS:
			c.kind = t.Type.String()
			c.inline = cl.LoadAssignment
		default:
			c.err = fmt.Errorf("unsupported cluster type %v", t.Type)
		}
	case *cluster.Cluster_ClusterType:
		if t.ClusterType.Name != "envoy.clusters.aggregate" {
			c.err = fmt.Errorf("unsupported custom cluster type %q", t.ClusterType.Name)
			break
		}
		a := &aggregatev3.ClusterConfig{}
		if err := t.ClusterType.TypedConfig.UnmarshalTo(a); err != nil {
			c.err = err
			break
		}
		c.kind = "aggregate"
		c.children = a.Clusters
	default:
		// Envoy's default discovery type is STATIC.
		c.kind = "STATIC"
		c.inline = cl.LoadAssignment
	}
	if ts := cl.TransportSocket; ts != nil && c.err == nil {
		u := &tlsv3.UpstreamTlsContext{}
		if err := ts.GetTypedConfig().UnmarshalTo(u); err != nil {
			c.err = err
		} else if c.tls, err = clientTLS(u); err != nil {
			c.err = err
		} else {
			c.tlsInfo = tlsInfo(u.CommonTlsContext, u.Sni)
		}
	}
	return c
}

// rebuild turns the resources into the running config and reconciles the bound listeners.
func (p *proxy) rebuild() {
	p.res.mu.Lock()
	cfg := &config{listeners: map[string]*listenerCfg{}, clusters: map[string]*clusterCfg{}, endpoints: map[string]*endpoint.ClusterLoadAssignment{}, applied: map[string]int{}}
	for n, l := range p.res.listeners {
		cfg.listeners[n] = parseListener(l)
	}
	for n, c := range p.res.clusters {
		cfg.clusters[n] = parseCluster(c)
	}
	for n, e := range p.res.endpoints {
		cfg.endpoints[n] = e
	}
	for k, v := range p.res.applied {
		cfg.applied[k] = v
	}
	p.res.mu.Unlock()
	for _, l := range cfg.listeners {
		if l.err != nil {
			event(map[string]any{"event": "listener-config-error", "listener": l.name, "error": l.err.Error()})
		}
	}
	for _, c := range cfg.clusters {
		if c.err != nil {
			event(map[string]any{"event": "cluster-config-error", "cluster": c.name, "error": c.err.Error()})
		}
	}
	p.cfg.Store(cfg)
	p.mu.Lock()
	defer p.mu.Unlock()
	for name, b := range p.bound {
		if l, ok := cfg.listeners[name]; !ok || l.address != b.address {
			b.ln.Close()
			delete(p.bound, name)
			event(map[string]any{"event": "listener-closed", "listener": name, "address": b.address})
		}
	}
	for name, l := range cfg.listeners {
		if _, ok := p.bound[name]; ok || l.address == "" {
			continue
		}
		ln, err := net.Listen("tcp", l.address)
		if err != nil {
			event(map[string]any{"event": "listen-failed", "listener": name, "error": err.Error()})
			continue
		}
		p.bound[name] = &boundListener{address: l.address, ln: ln}
		event(map[string]any{"event": "listening", "listener": name, "address": l.address})
		go p.serve(name, ln)
	}
}

func (p *proxy) serve(name string, ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go p.handle(name, c)
	}
}

func (p *proxy) handle(name string, down net.Conn) {
	defer down.Close()
	cfg := p.cfg.Load()
	l := cfg.listeners[name]
	if l == nil || l.err != nil {
		p.count("listener:" + name + ":config_refused")
		return
	}
	p.count("listener:" + name + ":accepted")
	info := connInfo{localPort: portOf(down.LocalAddr())}
	if l.tls != nil {
		t := tls.Server(down, l.tls)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := t.HandshakeContext(ctx)
		cancel()
		if err != nil {
			p.count("listener:" + name + ":tls_refused")
			event(map[string]any{"event": "tls-refused", "listener": name, "remote": down.RemoteAddr().String(), "error": err.Error()})
			return
		}
		if pc := t.ConnectionState().PeerCertificates; len(pc) > 0 {
			info.peer = pc[0]
		}
		down = t
	}
	peerID := ""
	if info.peer != nil && len(info.peer.URIs) > 0 {
		peerID = info.peer.URIs[0].String()
	}
	for _, rules := range l.rbac {
		ok, policy, err := rbacAllows(rules, info)
		if err != nil || !ok {
			p.count("listener:" + name + ":rbac_denied")
			f := map[string]any{"event": "rbac-denied", "listener": name, "peer": peerID, "policy": policy}
			if err != nil {
				f["error"] = err.Error()
			}
			event(f)
			return
		}
	}
	if l.hasRBAC {
		p.count("listener:" + name + ":rbac_allowed")
	}
	clusterName := l.cluster
	if len(l.weighted) > 0 {
		clusterName = pickWeighted(l.weighted)
	}
	up, target, chosen, err := p.dial(cfg, clusterName)
	if err != nil {
		p.count("cluster:" + clusterName + ":connect_failed")
		event(map[string]any{"event": "upstream-failed", "listener": name, "cluster": clusterName, "error": err.Error()})
		return
	}
	defer up.Close()
	p.count("cluster:" + chosen + ":connections")
	event(map[string]any{"event": "connected", "listener": name, "peer": peerID, "cluster": clusterName, "via": chosen, "upstream": target})
	pipe(down, up)
}

func pickWeighted(ws []*tcpproxy.TcpProxy_WeightedCluster_ClusterWeight) string {
	total := uint32(0)
	for _, w := range ws {
		total += w.Weight
	}
	if total == 0 {
		return ws[0].Name
	}
	n := rand.Uint32N(total)
	for _, w := range ws {
		if n < w.Weight {
			return w.Name
		}
		n -= w.Weight
	}
	return ws[len(ws)-1].Name
}

func pipe(a, b net.Conn) {
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		io.Copy(dst, src)
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		} else {
			dst.Close()
		}
		done <- struct{}{}
	}
	go cp(a, b)
	go cp(b, a)
	<-done
	<-done
}

type ep struct {
	address string
	health  string
}

// healthy: the endpoints of the lowest priority that has healthy (or unknown-health) ones, as Envoy picks them with
// the panic threshold at 0 (Consul's setting).
func (p *proxy) healthy(cfg *config, c *clusterCfg) []string {
	cla := c.inline
	if c.kind == "EDS" {
		cla = cfg.endpoints[c.edsName]
	}
	if cla == nil {
		return nil
	}
	byPrio := map[uint32][]string{}
	for _, le := range cla.Endpoints {
		for _, lb := range le.LbEndpoints {
			if lb.HealthStatus != core.HealthStatus_HEALTHY && lb.HealthStatus != core.HealthStatus_UNKNOWN {
				continue
			}
			a, err := socketAddress(lb.GetEndpoint().GetAddress())
			if err != nil {
				continue
			}
			byPrio[le.Priority] = append(byPrio[le.Priority], a)
		}
	}
	prios := make([]int, 0, len(byPrio))
	for k := range byPrio {
		prios = append(prios, int(k))
	}
	sort.Ints(prios)
	if len(prios) == 0 {
		return nil
	}
	return byPrio[uint32(prios[0])]
}

func allEndpoints(cfg *config, c *clusterCfg) []ep {
	cla := c.inline
	if c.kind == "EDS" {
		cla = cfg.endpoints[c.edsName]
	}
	var out []ep
	if cla == nil {
		return out
	}
	for _, le := range cla.Endpoints {
		for _, lb := range le.LbEndpoints {
			a, _ := socketAddress(lb.GetEndpoint().GetAddress())
			out = append(out, ep{address: a, health: lb.HealthStatus.String()})
		}
	}
	return out
}

// resolve walks aggregates: the leaf cluster to use and its healthy endpoints.
func (p *proxy) resolve(cfg *config, name string, depth int) (*clusterCfg, []string, error) {
	c := cfg.clusters[name]
	if c == nil {
		return nil, nil, fmt.Errorf("unknown cluster %q", name)
	}
	if c.err != nil {
		return nil, nil, c.err
	}
	if c.kind == "aggregate" {
		if depth > 4 {
			return nil, nil, errors.New("aggregate clusters nested too deep")
		}
		for _, child := range c.children {
			lc, eps, err := p.resolve(cfg, child, depth+1)
			if err == nil && len(eps) > 0 {
				return lc, eps, nil
			}
		}
		return nil, nil, fmt.Errorf("no healthy endpoint in any of %v", c.children)
	}
	eps := p.healthy(cfg, c)
	if len(eps) == 0 {
		return c, nil, fmt.Errorf("no healthy endpoint in %q", name)
	}
	return c, eps, nil
}

func (p *proxy) dial(cfg *config, name string) (net.Conn, string, string, error) {
	c, eps, err := p.resolve(cfg, name, 0)
	if err != nil {
		return nil, "", "", err
	}
	v, _ := p.rr.LoadOrStore(c.name, &atomic.Uint64{})
	target := eps[int(v.(*atomic.Uint64).Add(1)-1)%len(eps)]
	conn, err := net.DialTimeout("tcp", target, c.timeout)
	if err != nil {
		return nil, target, c.name, err
	}
	if c.tls == nil {
		return conn, target, c.name, nil
	}
	t := tls.Client(conn, c.tls)
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout+5*time.Second)
	defer cancel()
	if err := t.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, target, c.name, fmt.Errorf("TLS to %s: %w", target, err)
	}
	return t, target, c.name, nil
}

// snapshot is the admin view: what the stand-in enforces, as Consul sent it.
func (p *proxy) snapshot() map[string]any {
	cfg := p.cfg.Load()
	out := map[string]any{}
	if cfg == nil {
		return out
	}
	ls := map[string]any{}
	for n, l := range cfg.listeners {
		m := map[string]any{"address": l.address, "cluster": l.cluster, "tls": l.tlsInfo}
		var rb []json.RawMessage
		for _, r := range l.rbac {
			b, _ := protojson.Marshal(r)
			if r == nil {
				b = []byte("null")
			}
			rb = append(rb, b)
		}
		m["rbac"] = rb
		if l.err != nil {
			m["error"] = l.err.Error()
		}
		p.mu.Lock()
		_, bound := p.bound[n]
		p.mu.Unlock()
		m["bound"] = bound
		ls[n] = m
	}
	cs := map[string]any{}
	for n, c := range cfg.clusters {
		m := map[string]any{"type": c.kind, "tls": c.tlsInfo, "children": c.children}
		eps := []map[string]string{}
		for _, e := range allEndpoints(cfg, c) {
			eps = append(eps, map[string]string{"address": e.address, "health": e.health})
		}
		m["endpoints"] = eps
		if c.err != nil {
			m["error"] = c.err.Error()
		}
		cs[n] = m
	}
	stats := map[string]int64{}
	p.stats.Range(func(k, v any) bool {
		stats[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	out["listeners"] = ls
	out["clusters"] = cs
	out["stats"] = stats
	out["applied"] = cfg.applied
	return out
}
