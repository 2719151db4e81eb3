package main

// TLS as Envoy's tls transport socket does it, from the contexts Consul sends: the certificate chain and key of the
// TlsCertificates entry; peers validated against the CertificateValidationContext — TrustedCa, or the SPIFFE
// validator (envoy.tls.cert_validator.spiffe, which Consul sets once a service is exported to a peer: one trust
// bundle per trust domain, picked by the trust domain of the peer's SPIFFE ID) — and the SAN matchers.

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
)

func dataSource(d *core.DataSource) (string, error) {
	if d == nil {
		return "", nil
	}
	switch s := d.Specifier.(type) {
	case *core.DataSource_InlineString:
		return s.InlineString, nil
	case *core.DataSource_InlineBytes:
		return string(s.InlineBytes), nil
	default:
		return "", fmt.Errorf("unsupported data source %T (only inline data is supported)", d.Specifier)
	}
}

func poolOf(pems string) (*x509.CertPool, error) {
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM([]byte(pems)) {
		return nil, errors.New("no certificate in the trust bundle")
	}
	return p, nil
}

// validator checks a peer's certificate chain as the validation context says.
type validator struct {
	// trustedCA: one pool for any peer (TrustedCa); nil when the SPIFFE validator is used.
	trustedCA *x509.CertPool
	// bundles: SPIFFE trust domain -> roots.
	bundles map[string]*x509.CertPool
	sans    []*tlsv3.SubjectAltNameMatcher
	// legacy match_subject_alt_names (any SAN).
	anySans []*matcher.StringMatcher
}

func newValidator(ctx *tlsv3.CommonTlsContext) (*validator, error) {
	vc, ok := ctx.GetValidationContextType().(*tlsv3.CommonTlsContext_ValidationContext)
	if !ok || vc.ValidationContext == nil {
		return nil, fmt.Errorf("unsupported validation context %T", ctx.GetValidationContextType())
	}
	c := vc.ValidationContext
	v := &validator{sans: c.MatchTypedSubjectAltNames, anySans: c.MatchSubjectAltNames}
	if cv := c.GetCustomValidatorConfig(); cv != nil {
		if cv.Name != "envoy.tls.cert_validator.spiffe" {
			return nil, fmt.Errorf("unsupported custom validator %q", cv.Name)
		}
		sp := &tlsv3.SPIFFECertValidatorConfig{}
		if err := cv.TypedConfig.UnmarshalTo(sp); err != nil {
			return nil, err
		}
		v.bundles = map[string]*x509.CertPool{}
		for _, td := range sp.TrustDomains {
			pems, err := dataSource(td.TrustBundle)
			if err != nil {
				return nil, err
			}
			p, err := poolOf(pems)
			if err != nil {
				return nil, fmt.Errorf("trust domain %s: %w", td.Name, err)
			}
			v.bundles[td.Name] = p
		}
		return v, nil
	}
	pems, err := dataSource(c.TrustedCa)
	if err != nil {
		return nil, err
	}
	if pems == "" {
		return nil, errors.New("validation context without trusted CA: refusing to accept any peer")
	}
	if v.trustedCA, err = poolOf(pems); err != nil {
		return nil, err
	}
	return v, nil
}

func spiffeID(cert *x509.Certificate) (*url.URL, error) {
	var ids []*url.URL
	for _, u := range cert.URIs {
		if u.Scheme == "spiffe" {
			ids = append(ids, u)
		}
	}
	if len(ids) != 1 {
		return nil, fmt.Errorf("certificate has %d SPIFFE URI SANs, want exactly one", len(ids))
	}
	return ids[0], nil
}

func (v *validator) verify(raw [][]byte) error {
	if len(raw) == 0 {
		return errors.New("peer presented no certificate")
	}
	certs := make([]*x509.Certificate, len(raw))
	for i, b := range raw {
		c, err := x509.ParseCertificate(b)
		if err != nil {
			return err
		}
		certs[i] = c
	}
	leaf := certs[0]
	roots := v.trustedCA
	if v.bundles != nil {
		id, err := spiffeID(leaf)
		if err != nil {
			return err
		}
		if roots = v.bundles[id.Host]; roots == nil {
			return fmt.Errorf("no trust bundle for trust domain %q", id.Host)
		}
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return err
	}
	if len(v.sans) > 0 || len(v.anySans) > 0 {
		if !v.sanMatches(leaf) {
			return fmt.Errorf("no subject alt name of %v matches", leaf.URIs)
		}
	}
	return nil
}

func (v *validator) sanMatches(leaf *x509.Certificate) bool {
	uris := make([]string, len(leaf.URIs))
	for i, u := range leaf.URIs {
		uris[i] = u.String()
	}
	ips := make([]string, len(leaf.IPAddresses))
	for i, ip := range leaf.IPAddresses {
		ips[i] = ip.String()
	}
	for _, m := range v.sans {
		var vals []string
		switch m.SanType {
		case tlsv3.SubjectAltNameMatcher_URI:
			vals = uris
		case tlsv3.SubjectAltNameMatcher_DNS:
			vals = leaf.DNSNames
		case tlsv3.SubjectAltNameMatcher_EMAIL:
			vals = leaf.EmailAddresses
		case tlsv3.SubjectAltNameMatcher_IP_ADDRESS:
			vals = ips
		}
		for _, s := range vals {
			if ok, _ := stringMatches(m.Matcher, s); ok {
				return true
			}
		}
	}
	all := append(append(append(append([]string{}, uris...), leaf.DNSNames...), leaf.EmailAddresses...), ips...)
	for _, m := range v.anySans {
		for _, s := range all {
			if ok, _ := stringMatches(m, s); ok {
				return true
			}
		}
	}
	return false
}

// stringMatches is Envoy's StringMatcher; safe_regex is RE2 (Go's regexp) matched against the whole string.
func stringMatches(m *matcher.StringMatcher, s string) (bool, error) {
	if m == nil {
		return false, errors.New("empty string matcher")
	}
	in := s
	fold := func(x string) string {
		if m.IgnoreCase {
			return strings.ToLower(x)
		}
		return x
	}
	switch p := m.MatchPattern.(type) {
	case *matcher.StringMatcher_Exact:
		return fold(in) == fold(p.Exact), nil
	case *matcher.StringMatcher_Prefix:
		return strings.HasPrefix(fold(in), fold(p.Prefix)), nil
	case *matcher.StringMatcher_Suffix:
		return strings.HasSuffix(fold(in), fold(p.Suffix)), nil
	case *matcher.StringMatcher_Contains:
		return strings.Contains(fold(in), fold(p.Contains)), nil
	case *matcher.StringMatcher_SafeRegex:
		re, err := regexp.Compile(`^(?:` + p.SafeRegex.GetRegex() + `)$`)
		if err != nil {
			return false, err
		}
		return re.MatchString(in), nil
	default:
		return false, fmt.Errorf("unsupported string matcher %T", m.MatchPattern)
	}
}

func tlsVersion(v tlsv3.TlsParameters_TlsProtocol, def uint16) uint16 {
	switch v {
	case tlsv3.TlsParameters_TLSv1_0:
		return tls.VersionTLS10
	case tlsv3.TlsParameters_TLSv1_1:
		return tls.VersionTLS11
	case tlsv3.TlsParameters_TLSv1_2:
		return tls.VersionTLS12
	case tlsv3.TlsParameters_TLSv1_3:
		return tls.VersionTLS13
	}
	return def
}

func baseConfig(ctx *tlsv3.CommonTlsContext) (*tls.Config, *validator, error) {
	if ctx == nil {
		return nil, nil, errors.New("no common TLS context")
	}
	if len(ctx.TlsCertificates) != 1 {
		return nil, nil, fmt.Errorf("want one TLS certificate, got %d (SDS is not supported)", len(ctx.TlsCertificates))
	}
	chain, err := dataSource(ctx.TlsCertificates[0].CertificateChain)
	if err != nil {
		return nil, nil, err
	}
	key, err := dataSource(ctx.TlsCertificates[0].PrivateKey)
	if err != nil {
		return nil, nil, err
	}
	pair, err := tls.X509KeyPair([]byte(chain), []byte(key))
	if err != nil {
		return nil, nil, err
	}
	v, err := newValidator(ctx)
	if err != nil {
		return nil, nil, err
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{pair},
		MinVersion:   tlsVersion(ctx.GetTlsParams().GetTlsMinimumProtocolVersion(), tls.VersionTLS12),
		MaxVersion:   tlsVersion(ctx.GetTlsParams().GetTlsMaximumProtocolVersion(), tls.VersionTLS13),
		NextProtos:   ctx.AlpnProtocols,
		// Chain and SAN checks are the validator's (Envoy's rules, not Go's hostname rules).
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			return v.verify(raw)
		},
	}
	return cfg, v, nil
}

// serverTLS: a DownstreamTlsContext. Client certificates are required when Consul says so (it always does for the
// public listener); they are validated in VerifyPeerCertificate either way.
func serverTLS(d *tlsv3.DownstreamTlsContext) (*tls.Config, error) {
	cfg, _, err := baseConfig(d.CommonTlsContext)
	if err != nil {
		return nil, err
	}
	if d.GetRequireClientCertificate().GetValue() {
		cfg.ClientAuth = tls.RequireAnyClientCert
	} else {
		cfg.ClientAuth = tls.RequestClientCert
		verify := cfg.VerifyPeerCertificate
		cfg.VerifyPeerCertificate = func(raw [][]byte, chains [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return nil
			}
			return verify(raw, chains)
		}
	}
	return cfg, nil
}

// clientTLS: an UpstreamTlsContext (SNI and the client certificate).
func clientTLS(u *tlsv3.UpstreamTlsContext) (*tls.Config, error) {
	cfg, _, err := baseConfig(u.CommonTlsContext)
	if err != nil {
		return nil, err
	}
	cfg.ServerName = u.Sni
	return cfg, nil
}
