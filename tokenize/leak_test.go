package tokenize_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/custos-dev/custos/access"
	"github.com/custos-dev/custos/tokenize"
	"github.com/custos-dev/custos/tokenize/vault/memstore"
	"github.com/custos-dev/custos/tokenize/vault/storetest"
)

// forms returns the ways a secret could show up in text.
func forms(secret string) []string {
	b := []byte(secret)
	return []string{
		secret,
		hex.EncodeToString(b),
		strings.ToUpper(hex.EncodeToString(b)),
		base64.StdEncoding.EncodeToString(b),
		base64.RawURLEncoding.EncodeToString(b),
		fmt.Sprintf("%v", b),
	}
}

// No value, token or key shows up in any error or audit log line: a unique
// marker is sent through every failing path.
func TestNoSecretInErrorsOrLogs(t *testing.T) {
	ctx := access.WithPrincipal(context.Background(), access.Principal{ID: "auditor-test"})
	var logBuf bytes.Buffer
	guard := access.NewGuard(access.WithAuditor(access.NewSlogAuditor(slog.New(slog.NewJSONHandler(&logBuf, nil)))))
	root := newRoot(t)

	const marker = "XQZMARKER7731"         // in free-form values
	const digitMarker = "4929047311855549" // a Luhn-valid card number
	const badLuhn = "4929047311855542"
	var errs []error
	add := func(_ any, err error) {
		require.Error(t, err)
		errs = append(errs, err)
	}

	p, err := tokenize.NewPseudonymizer(root, "d", tokenize.PseudonymConfig{})
	require.NoError(t, err)
	add(p.PseudonymKeyID(marker))

	d, err := tokenize.NewDeterministic(root, "d", tokenize.WithGuard(guard))
	require.NoError(t, err)
	add(d.Detokenize(ctx, marker))
	tok, err := d.Tokenize(marker)
	require.NoError(t, err)
	add(d.Detokenize(ctx, tok[:len(tok)-2]+"AA"))
	other, err := tokenize.NewDeterministic(root, "other")
	require.NoError(t, err)
	add(other.Detokenize(ctx, tok))

	card := tokenize.CardTemplate()
	card.FailLuhn = true
	f, err := tokenize.NewFormatPreserving(root, "cards", root.PrimaryID(), card, tokenize.WithGuard(guard))
	require.NoError(t, err)
	add(f.Tokenize(digitMarker + "x"))
	add(f.Tokenize(badLuhn))
	add(f.Tokenize(digitMarker + "0000"))
	add(f.Tokenize(digitMarker[:11]))
	add(f.TokenizeWithTweak(digitMarker, []byte(strings.Repeat(marker, 30))))
	ftok, err := f.Tokenize(digitMarker)
	require.NoError(t, err)
	b := []byte(ftok)
	b[len(b)-1] = '0' + (b[len(b)-1]-'0'+1)%10
	add(f.Detokenize(ctx, string(b)))
	add(f.Detokenize(ctx, marker))
	add(tokenize.NewFormatPreservingRawKey([]byte(marker), "d", card))
	add(tokenize.NewFormatPreserving(root, "d", 4242, card))
	add(tokenize.NewFormatPreserving(root, "d", root.PrimaryID(), tokenize.AlphabetTemplate(marker+marker)))

	c := &clock{now: time.Now()}
	mem := memstore.New()
	v, err := tokenize.NewVault(root, "vault", mem, tokenize.VaultConfig{TTL: time.Minute}, tokenize.WithGuard(guard), tokenize.WithClock(c.Now))
	require.NoError(t, err)
	broken, err := tokenize.NewVault(root, "vault", storetest.Flaky(mem, 1, rand.New(rand.NewPCG(1, 1))), tokenize.VaultConfig{Convergent: true}, tokenize.WithGuard(guard))
	require.NoError(t, err)
	vtok, err := v.Tokenize(ctx, marker)
	require.NoError(t, err)
	add(v.Detokenize(ctx, marker))
	add(v.Detokenize(ctx, strings.Repeat("a", 26)))
	add(v.DetokenizeBatch(ctx, []string{vtok, marker}))
	add(v.Tokenize(ctx, marker, tokenize.WithMetadata(map[string]string{"": marker})))
	add(v.Tokenize(ctx, marker, tokenize.WithExpiry(c.Now().Add(-time.Hour))))
	add(v.TokenOf(ctx, marker))
	add(v.DeleteValue(ctx, marker))
	add(broken.Tokenize(ctx, marker))
	add(broken.TokenizeBatch(ctx, []string{marker}))
	add(broken.Detokenize(ctx, vtok))
	add(broken.TokenOf(ctx, marker))
	add(broken.DeleteValue(ctx, marker))
	add(broken.DeleteExpired(ctx))
	add(nil, broken.Delete(ctx, vtok))
	c.Advance(2 * time.Minute)
	add(v.Detokenize(ctx, vtok))
	add(v.Info(ctx, vtok))
	fv, err := tokenize.NewVault(root, "vault", mem, tokenize.VaultConfig{Format: card})
	require.NoError(t, err)
	add(fv.Tokenize(ctx, marker))
	add(fv.Tokenize(ctx, badLuhn[:5]))

	require.NotEmpty(t, logBuf.String(), "the auditor saw the reveals")
	var texts []string
	for _, e := range errs {
		texts = append(texts, e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e))
	}
	texts = append(texts, logBuf.String())
	for _, secret := range []string{marker, digitMarker, badLuhn, tok, ftok, vtok} {
		for _, form := range forms(secret) {
			for _, text := range texts {
				assert.NotContains(t, text, form)
			}
		}
	}
	// Tokenizers print no key material either.
	for _, s := range []fmt.Stringer{p, f, v} {
		assert.NotContains(t, s.String(), marker)
		assert.Contains(t, s.String(), "tokenize.")
	}
}
