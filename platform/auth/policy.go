package auth

import (
	"context"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Rule says who may call one gRPC method.
type Rule struct {
	// Public methods accept anonymous callers (a token, when present, is still verified).
	Public bool
	// Roles that may call the method; ignored when Public.
	Roles []Role
}

// Anyone is the rule of a public method.
var Anyone = Rule{Public: true}

// Allow returns the rule letting roles call a method.
func Allow(roles ...Role) Rule { return Rule{Roles: roles} }

// Policy maps full gRPC method names (/package.Service/Method) to their rule. A method missing from
// the policy is refused to everyone: a new method is closed until someone decides who may call it.
type Policy map[string]Rule

// TokenVerifier verifies a raw bearer token.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (Principal, error)
}

// open lists the infrastructure services that need no token.
var open = []string{"/grpc.health.v1.Health/", "/grpc.reflection."}

// Authorize checks the caller of fullMethod against the policy and returns the context carrying its
// principal. Errors carry the gRPC code: Unauthenticated (no or bad token), PermissionDenied (role).
func (p Policy) Authorize(ctx context.Context, v TokenVerifier, fullMethod string) (context.Context, error) {
	for _, prefix := range open {
		if strings.HasPrefix(fullMethod, prefix) {
			return ctx, nil
		}
	}
	rule, ok := p[fullMethod]
	if !ok {
		return nil, status.Errorf(codes.PermissionDenied, "method %s is not open to any caller", fullMethod)
	}
	raw := ""
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if vals := md.Get("authorization"); len(vals) > 0 {
			raw = BearerToken(vals[0])
		}
	}
	if raw == "" {
		if rule.Public {
			return ctx, nil
		}
		return nil, status.Error(codes.Unauthenticated, "a bearer token is required")
	}
	principal, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, status.Errorf(codes.Unauthenticated, "invalid bearer token: %v", err)
	}
	if !rule.Public && !principal.Role.In(rule.Roles...) {
		return nil, status.Errorf(codes.PermissionDenied, "role %s may not call %s", principal.Role, methodName(fullMethod))
	}
	return WithPrincipal(ctx, principal), nil
}

func methodName(fullMethod string) string {
	if i := strings.LastIndex(fullMethod, "/"); i >= 0 {
		return fullMethod[i+1:]
	}
	return fullMethod
}

// UnaryServerInterceptor enforces the policy on every unary call.
func (p Policy) UnaryServerInterceptor(v TokenVerifier) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := p.Authorize(ctx, v, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor enforces the policy on every streaming call.
func (p Policy) StreamServerInterceptor(v TokenVerifier) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := p.Authorize(ss.Context(), v, info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &wrappedStream{ServerStream: ss, ctx: ctx})
	}
}

type wrappedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (w *wrappedStream) Context() context.Context { return w.ctx }

// PerRPC is gRPC client credentials sending a bearer token from a source on every call.
type PerRPC struct {
	// Token returns the token to send.
	Token func(ctx context.Context) (string, error)
}

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (c PerRPC) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	tok, err := c.Token(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]string{"authorization": "Bearer " + tok}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials. The services talk over the
// loopback or a private network in this deployment; TLS is the deployment's concern (docs/deployment).
func (PerRPC) RequireTransportSecurity() bool { return false }
