// Package testsvc tells tests where the real PostgreSQL and Redis servers are,
// and skips or fails a test that needs one when none is configured.
//
// The addresses come from the environment:
//
//	CUSTOS_POSTGRES_URL       e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//	CUSTOS_REDIS_ADDR         e.g. 127.0.0.1:6379
//	CUSTOS_REQUIRE_SERVICES=1 a missing service fails the test instead of skipping it
//
// .ci/run sets all three.
package testsvc

import (
	"os"
	"testing"
)

// Environment variable names.
const (
	EnvPostgresURL     = "CUSTOS_POSTGRES_URL"
	EnvRedisAddr       = "CUSTOS_REDIS_ADDR"
	EnvRequireServices = "CUSTOS_REQUIRE_SERVICES"
)

// PostgresURL returns the PostgreSQL connection URL for tests. When none is
// configured it skips the test, or fails it if services are required.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	return lookup(tb, EnvPostgresURL, "PostgreSQL")
}

// RedisAddr returns the Redis address (host:port) for tests. When none is
// configured it skips the test, or fails it if services are required.
func RedisAddr(tb testing.TB) string {
	tb.Helper()
	return lookup(tb, EnvRedisAddr, "Redis")
}

// Required reports whether a missing service must fail the run.
func Required() bool { return os.Getenv(EnvRequireServices) == "1" }

// Unavailable reports that a configured service could not be reached: it fails
// the test when services are required and skips it otherwise.
func Unavailable(tb testing.TB, service string, err error) {
	tb.Helper()
	if Required() {
		tb.Fatalf("%s is required (%s=1) but unreachable: %v", service, EnvRequireServices, err)
	}
	tb.Skipf("skipping: %s unreachable: %v", service, err)
}

func lookup(tb testing.TB, env, service string) string {
	tb.Helper()
	if v := os.Getenv(env); v != "" {
		return v
	}
	if Required() {
		tb.Fatalf("%s is required (%s=1) but %s is not set", service, EnvRequireServices, env)
	}
	tb.Skipf("skipping: %s not configured; set %s to run this test", service, env)
	return ""
}
