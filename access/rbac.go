package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Grant gives a role some actions on some resources, optionally only for
// some purposes.
type Grant struct {
	// Role is the role the grant applies to. Required.
	Role string
	// Actions the role may perform. Required (at least one).
	Actions []Action
	// Resources the role may act on. Each is an exact name ("customers.email"),
	// a prefix ending in ".*" ("customers.*" matches "customers.email") or "*"
	// for every resource. Required (at least one).
	Resources []string
	// Purposes limits the grant to these purposes. Empty means any purpose,
	// including none.
	Purposes []string
}

// RBAC is a role-based [Authorizer]: a request is allowed when one role of
// the principal in the context has a grant covering the action, the resource
// and the purpose. A request from a context without a principal is denied.
// The zero RBAC denies everything. An RBAC is immutable and safe for
// concurrent use.
type RBAC struct {
	byRole map[string][]Grant
}

// ErrInvalidPolicy is returned by [NewRBAC] for a malformed grant.
var ErrInvalidPolicy = errors.New("access: invalid policy")

// NewRBAC validates grants and returns an authorizer built from them.
func NewRBAC(grants ...Grant) (*RBAC, error) {
	r := &RBAC{byRole: make(map[string][]Grant)}
	for i, g := range grants {
		switch {
		case g.Role == "":
			return nil, fmt.Errorf("%w: grant %d has no role", ErrInvalidPolicy, i)
		case len(g.Actions) == 0:
			return nil, fmt.Errorf("%w: grant %d (role %q) has no actions", ErrInvalidPolicy, i, g.Role)
		case len(g.Resources) == 0:
			return nil, fmt.Errorf("%w: grant %d (role %q) has no resources", ErrInvalidPolicy, i, g.Role)
		}
		for _, a := range g.Actions {
			if a == ActionUnknown || a > ActionErase {
				return nil, fmt.Errorf("%w: grant %d (role %q) has an unknown action", ErrInvalidPolicy, i, g.Role)
			}
		}
		for _, res := range g.Resources {
			if res == "" || (strings.Contains(res, "*") && res != "*" && !(strings.HasSuffix(res, ".*") && strings.Count(res, "*") == 1)) {
				return nil, fmt.Errorf("%w: grant %d (role %q) has resource pattern %q; use a name, \"prefix.*\" or \"*\"", ErrInvalidPolicy, i, g.Role, res)
			}
		}
		g.Actions = slices.Clone(g.Actions)
		g.Resources = slices.Clone(g.Resources)
		g.Purposes = slices.Clone(g.Purposes)
		r.byRole[g.Role] = append(r.byRole[g.Role], g)
	}
	return r, nil
}

// DeniedError tells why an [RBAC] refused a request. It wraps [ErrDenied].
type DeniedError struct {
	Principal string
	Action    Action
	Resource  string
	Purpose   string
	Reason    string
}

func (e *DeniedError) Error() string {
	return fmt.Sprintf("access: denied: principal %q may not %s %q for purpose %q: %s",
		e.Principal, e.Action, e.Resource, e.Purpose, e.Reason)
}

// Unwrap returns [ErrDenied].
func (e *DeniedError) Unwrap() error { return ErrDenied }

// Authorize implements [Authorizer].
func (r *RBAC) Authorize(ctx context.Context, req Request) error {
	p, ok := PrincipalFrom(ctx)
	purpose, _ := PurposeFrom(ctx)
	deny := func(reason string) error {
		return &DeniedError{Principal: p.ID, Action: req.Action, Resource: req.Resource, Purpose: purpose, Reason: reason}
	}
	if !ok {
		return deny("no principal in context")
	}
	if r == nil {
		return deny("no grants")
	}
	for _, role := range p.Roles {
		for _, g := range r.byRole[role] {
			if g.allows(req, purpose) {
				return nil
			}
		}
	}
	return deny("no grant matches")
}

func (g *Grant) allows(req Request, purpose string) bool {
	if !slices.Contains(g.Actions, req.Action) {
		return false
	}
	if len(g.Purposes) > 0 && !slices.Contains(g.Purposes, purpose) {
		return false
	}
	for _, res := range g.Resources {
		if matchResource(res, req.Resource) {
			return true
		}
	}
	return false
}

func matchResource(pattern, name string) bool {
	switch {
	case pattern == "*":
		return true
	case strings.HasSuffix(pattern, ".*"):
		return strings.HasPrefix(name, pattern[:len(pattern)-1]) && len(name) > len(pattern)-1
	default:
		return pattern == name
	}
}
