package main

// Envoy's network RBAC filter (envoy.filters.network.rbac) for the connection-level principals and permissions
// Consul generates: a connection is allowed when the ALLOW action has a matching policy, or the DENY action has
// none; no rules at all allows everything. A principal or permission this evaluator does not know fails the
// connection closed (it is refused), never open.

import (
	"crypto/x509"
	"fmt"
	"net"

	rbacv3 "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
)

type connInfo struct {
	peer      *x509.Certificate // nil without TLS or without a client certificate
	localPort uint32
}

// rbacAllows evaluates rules for one connection. policy names the matching policy (for the log).
func rbacAllows(rules *rbacv3.RBAC, c connInfo) (allowed bool, policy string, err error) {
	if rules == nil {
		return true, "", nil
	}
	matched := ""
	for name, p := range rules.Policies {
		ok, err := policyMatches(p, c)
		if err != nil {
			return false, name, err
		}
		if ok {
			if matched == "" || name < matched {
				matched = name
			}
		}
	}
	switch rules.Action {
	case rbacv3.RBAC_ALLOW:
		return matched != "", matched, nil
	case rbacv3.RBAC_DENY:
		return matched == "", matched, nil
	default:
		return false, "", fmt.Errorf("unsupported RBAC action %v", rules.Action)
	}
}

func policyMatches(p *rbacv3.Policy, c connInfo) (bool, error) {
	if p.Condition != nil || p.CheckedCondition != nil {
		return false, fmt.Errorf("policy conditions are not supported")
	}
	if perm, err := anyOf(p.Permissions, c, permissionMatches); err != nil || !perm {
		return false, err
	}
	return anyOf(p.Principals, c, principalMatches)
}

// anyOf: whether some rule matches (false for none), stopping at the first match or error, as Envoy's or_rules.
func anyOf[T any, C any](xs []T, c C, match func(T, C) (bool, error)) (bool, error) {
	for _, x := range xs {
		ok, err := match(x, c)
		if err != nil || ok {
			return ok && err == nil, err
		}
	}
	return false, nil
}

// allOf: whether every rule matches (true for none), stopping at the first miss or error, as Envoy's and_rules.
func allOf[T any, C any](xs []T, c C, match func(T, C) (bool, error)) (bool, error) {
	for _, x := range xs {
		ok, err := match(x, c)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func permissionMatches(p *rbacv3.Permission, c connInfo) (bool, error) {
	switch r := p.Rule.(type) {
	case *rbacv3.Permission_Any:
		return r.Any, nil
	case *rbacv3.Permission_AndRules:
		return allOf(r.AndRules.Rules, c, permissionMatches)
	case *rbacv3.Permission_OrRules:
		return anyOf(r.OrRules.Rules, c, permissionMatches)
	case *rbacv3.Permission_NotRule:
		ok, err := permissionMatches(r.NotRule, c)
		return !ok, err
	case *rbacv3.Permission_DestinationPort:
		return r.DestinationPort == c.localPort, nil
	default:
		return false, fmt.Errorf("unsupported permission %T", p.Rule)
	}
}

func principalMatches(p *rbacv3.Principal, c connInfo) (bool, error) {
	switch r := p.Identifier.(type) {
	case *rbacv3.Principal_Any:
		return r.Any, nil
	case *rbacv3.Principal_AndIds:
		return allOf(r.AndIds.Ids, c, principalMatches)
	case *rbacv3.Principal_OrIds:
		return anyOf(r.OrIds.Ids, c, principalMatches)
	case *rbacv3.Principal_NotId:
		ok, err := principalMatches(r.NotId, c)
		return !ok, err
	case *rbacv3.Principal_Authenticated_:
		if c.peer == nil {
			return false, nil
		}
		m := r.Authenticated.PrincipalName
		if m == nil {
			return true, nil
		}
		// Envoy: the URI SANs, else the DNS SANs, else the subject.
		var names []string
		for _, u := range c.peer.URIs {
			names = append(names, u.String())
		}
		if len(names) == 0 {
			names = append(names, c.peer.DNSNames...)
		}
		if len(names) == 0 {
			names = []string{c.peer.Subject.String()}
		}
		return anyOf(names, m, func(n string, m *matcher.StringMatcher) (bool, error) { return stringMatches(m, n) })
	default:
		return false, fmt.Errorf("unsupported principal %T", p.Identifier)
	}
}

func portOf(a net.Addr) uint32 {
	if t, ok := a.(*net.TCPAddr); ok {
		return uint32(t.Port)
	}
	return 0
}
