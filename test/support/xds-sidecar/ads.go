package main

// The xDS client: one incremental (delta) ADS stream to the Consul agent's gRPC port, as Envoy opens it (node id =
// the proxy's service id, user agent "envoy"), wildcard subscriptions to clusters, endpoints and listeners, every
// response applied to the resource maps and ACKed (or NACKed with the reason when a resource cannot be decoded).

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpoint "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

const (
	typeCluster  = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	typeEndpoint = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
	typeListener = "type.googleapis.com/envoy.config.listener.v3.Listener"
	typeRoute    = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
)

// resources is what Consul has sent so far, by type and name.
type resources struct {
	mu        sync.Mutex
	clusters  map[string]*cluster.Cluster
	endpoints map[string]*endpoint.ClusterLoadAssignment
	listeners map[string]*listener.Listener
	versions  map[string]map[string]string
	// counts of responses applied, by type URL
	applied map[string]int
}

func newResources() *resources {
	return &resources{
		clusters:  map[string]*cluster.Cluster{},
		endpoints: map[string]*endpoint.ClusterLoadAssignment{},
		listeners: map[string]*listener.Listener{},
		versions:  map[string]map[string]string{typeCluster: {}, typeEndpoint: {}, typeListener: {}, typeRoute: {}},
		applied:   map[string]int{},
	}
}

// apply decodes and stores one delta response; an error means a NACK (nothing of the response is applied).
func (r *resources) apply(resp *discovery.DeltaDiscoveryResponse) error {
	decoded := map[string]proto.Message{}
	for _, res := range resp.Resources {
		if res.Resource == nil {
			continue
		}
		if res.Resource.TypeUrl != resp.TypeUrl {
			return fmt.Errorf("resource %q has type %s in a %s response", res.Name, res.Resource.TypeUrl, resp.TypeUrl)
		}
		var m proto.Message
		switch resp.TypeUrl {
		case typeCluster:
			m = &cluster.Cluster{}
		case typeEndpoint:
			m = &endpoint.ClusterLoadAssignment{}
		case typeListener:
			m = &listener.Listener{}
		default:
			continue // routes and secrets: nothing the stand-in uses (TCP services only)
		}
		if err := res.Resource.UnmarshalTo(m); err != nil {
			return fmt.Errorf("decode %s %q: %w", resp.TypeUrl, res.Name, err)
		}
		decoded[res.Name] = m
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, res := range resp.Resources {
		m, ok := decoded[res.Name]
		if !ok {
			continue
		}
		switch v := m.(type) {
		case *cluster.Cluster:
			r.clusters[res.Name] = v
		case *endpoint.ClusterLoadAssignment:
			r.endpoints[res.Name] = v
		case *listener.Listener:
			r.listeners[res.Name] = v
		}
		if r.versions[resp.TypeUrl] == nil {
			r.versions[resp.TypeUrl] = map[string]string{}
		}
		r.versions[resp.TypeUrl][res.Name] = res.Version
	}
	for _, name := range resp.RemovedResources {
		switch resp.TypeUrl {
		case typeCluster:
			delete(r.clusters, name)
		case typeEndpoint:
			delete(r.endpoints, name)
		case typeListener:
			delete(r.listeners, name)
		}
		delete(r.versions[resp.TypeUrl], name)
	}
	r.applied[resp.TypeUrl]++
	return nil
}

type adsClient struct {
	addr    string
	proxyID string
	token   string
	res     *resources
	// onChange is called (serially) after every applied response.
	onChange func()
}

// nodeFor is the node Envoy would announce: id = the proxy service's id; user agent "envoy" with a build version
// Consul supports (Consul derives proxy features from it and rejects versions it no longer supports).
func nodeFor(proxyID string) *core.Node {
	return &core.Node{
		Id:            proxyID,
		Cluster:       proxyID,
		UserAgentName: "envoy",
		UserAgentVersionType: &core.Node_UserAgentBuildVersion{UserAgentBuildVersion: &core.BuildVersion{
			Version: &typev3.SemanticVersion{MajorNumber: 1, MinorNumber: 35, Patch: 0},
		}},
		Metadata: &structpb.Struct{Fields: map[string]*structpb.Value{}},
	}
}

// run keeps one stream open, reconnecting (with the resource versions it holds) until ctx ends.
func (c *adsClient) run(ctx context.Context) {
	for ctx.Err() == nil {
		err := c.stream(ctx)
		if ctx.Err() != nil {
			return
		}
		log.Printf(`{"event":"ads-stream-ended","error":%q}`, fmt.Sprint(err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (c *adsClient) stream(ctx context.Context) error {
	conn, err := grpc.NewClient(c.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if c.token != "" {
		sctx = metadata.AppendToOutgoingContext(sctx, "x-consul-token", c.token)
	}
	s, err := discovery.NewAggregatedDiscoveryServiceClient(conn).DeltaAggregatedResources(sctx)
	if err != nil {
		return err
	}
	node := nodeFor(c.proxyID)
	// Envoy's order: clusters (and their endpoints) before listeners.
	for i, t := range []string{typeCluster, typeEndpoint, typeListener} {
		req := &discovery.DeltaDiscoveryRequest{TypeUrl: t, InitialResourceVersions: c.initialVersions(t)}
		if i == 0 {
			req.Node = node
		}
		if err := s.Send(req); err != nil {
			return err
		}
	}
	for {
		resp, err := s.Recv()
		if err != nil {
			return err
		}
		ack := &discovery.DeltaDiscoveryRequest{TypeUrl: resp.TypeUrl, ResponseNonce: resp.Nonce}
		if err := c.res.apply(resp); err != nil {
			log.Printf(`{"event":"nack","type":%q,"error":%q}`, resp.TypeUrl, err.Error())
			ack.ErrorDetail = &statuspb.Status{Code: 3, Message: err.Error()}
		} else {
			c.onChange()
		}
		if err := s.Send(ack); err != nil {
			return err
		}
	}
}

func (c *adsClient) initialVersions(t string) map[string]string {
	c.res.mu.Lock()
	defer c.res.mu.Unlock()
	out := map[string]string{}
	for k, v := range c.res.versions[t] {
		out[k] = v
	}
	return out
}
