package keys_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/custos-dev/custos/keys"
)

func Example() {
	ctx := context.Background()
	// One root keyset per application, stored under a local master key.
	dir, _ := os.MkdirTemp("", "keys-example")
	defer os.RemoveAll(dir)
	mk, _ := keys.GenerateMasterKey()
	_ = mk.WriteFile(filepath.Join(dir, "master.key"))

	root, _ := keys.New(keys.DerivationHKDFSHA256)
	var file bytes.Buffer
	if err := keys.Write(ctx, &file, root, mk, []byte("billing-service")); err != nil {
		panic(err)
	}

	// Later, in the service:
	kek, _ := keys.LoadMasterKeyFile(filepath.Join(dir, "master.key"))
	root, err := keys.Read(ctx, &file, kek, []byte("billing-service"))
	if err != nil {
		panic(err)
	}
	emailKey, _ := root.DeriveAEAD("encrypt", "customers.email")
	nameKey, _ := root.DeriveAEAD("encrypt", "customers.name")
	ct, _ := emailKey.Encrypt([]byte("ada@example.com"), nil)
	pt, _ := emailKey.Decrypt(ct, nil)
	_, err = nameKey.Decrypt(ct, nil)
	fmt.Println(string(pt), err != nil)
	// Output: ada@example.com true
}

func ExampleNew() {
	ks, _ := keys.New(keys.AES256GCM)
	a, _ := ks.AEAD()
	ct, _ := a.Encrypt([]byte("secret"), []byte("context"))
	pt, _ := a.Decrypt(ct, []byte("context"))
	fmt.Println(string(pt), len(ks.Keys()), ks.Keys()[0].Status)
	// Output: secret 1 enabled
}

func ExampleKeyset_Promote() {
	ks, _ := keys.New(keys.AES256GCM)
	oldID := ks.PrimaryID()
	ks, newID, _ := ks.Add()  // 1. add; deploy to every reader
	ks, _ = ks.Promote(newID) // 2. new data under the new key
	ks, _ = ks.Disable(oldID) // 3. after re-encryption, retire the old key
	ks, _ = ks.Destroy(oldID) // 4. finally remove its material
	info, _ := ks.Key(oldID)
	fmt.Println(ks.PrimaryID() == newID, info.Status)
	// Output: true destroyed
}

func ExamplePassphrase() {
	ctx := context.Background()
	kek, _ := keys.Passphrase([]byte("correct horse battery staple"), keys.Argon2Params{Time: 1, MemoryKiB: 8 << 10, Threads: 1})
	ks, _ := keys.New(keys.AES256SIV)
	var buf bytes.Buffer
	_ = keys.Write(ctx, &buf, ks, kek, nil)
	wrong, _ := keys.Passphrase([]byte("wrong"), keys.Argon2Params{Time: 1, MemoryKiB: 8 << 10, Threads: 1})
	_, err := keys.Read(ctx, bytes.NewReader(buf.Bytes()), wrong, nil)
	fmt.Println(errors.Is(err, keys.ErrDecrypt))
	// Output: true
}

func ExampleAEADKEK() {
	// A KMS AEAD would come from a Tink KMS client:
	//   client, _ := gcpkms.NewClientWithOptions(ctx, "gcp-kms://")
	//   remote, _ := client.GetAEAD(keyURI)
	// Here a local keyset plays the KMS.
	kms, _ := keys.New(keys.AES256GCM)
	remote, _ := kms.AEAD()
	kek := keys.AEADKEK("gcp-kms://projects/p/locations/global/keyRings/r/cryptoKeys/k", remote)
	ks, _ := keys.New(keys.AES256GCM)
	var buf bytes.Buffer
	_ = keys.Write(context.Background(), &buf, ks, kek, []byte("ad"))
	got, err := keys.Read(context.Background(), &buf, kek, []byte("ad"))
	fmt.Println(err, got.PrimaryID() == ks.PrimaryID())
	// Output: <nil> true
}

func ExampleKeyset_DerivePRF() {
	root, _ := keys.New(keys.DerivationHKDFSHA256)
	p, _ := root.DerivePRF("blind-index", "customers.email.email_idx")
	sum := p.Sum(nil, []byte("ada@example.com"))
	fmt.Println(len(sum), p.KeyID() == root.PrimaryID())
	// Output: 32 true
}

func ExampleSubjectKeys() {
	ctx := context.Background()
	kek, _ := keys.GenerateMasterKey()
	sk, _ := keys.NewSubjectKeys(keys.NewMemorySubjectKeyStore(), kek)
	a, _ := sk.AEAD(ctx, "customer-42")
	ct, _ := a.Encrypt([]byte("health note"), []byte("notes.body"))

	_ = sk.Destroy(ctx, "customer-42") // right to erasure
	_, err := a.Decrypt(ct, []byte("notes.body"))
	fmt.Println(errors.Is(err, keys.ErrKeyDestroyed))
	// Output: true
}

func ExampleWithCacheSize() {
	ctx := context.Background()
	kek, _ := keys.GenerateMasterKey()
	store := keys.NewMemorySubjectKeyStore()
	// At most two unwrapped keys in memory, each used for at most 5 minutes
	// before the store is asked again.
	sk, _ := keys.NewSubjectKeys(store, kek, keys.WithCacheSize(2), keys.WithCacheTTL(5*time.Minute))
	a, _ := sk.AEAD(ctx, "customer-1")
	ct, _ := a.Encrypt([]byte("health note"), []byte("notes.body"))
	for _, c := range []string{"customer-2", "customer-3"} {
		_, _ = sk.AEAD(ctx, c) // customer-1 leaves the cache
	}
	fmt.Println(sk)

	// Destroy still reaches the AEAD that outlived its cache entry.
	_ = sk.Destroy(ctx, "customer-1")
	_, err := a.Decrypt(ct, []byte("notes.body"))
	fmt.Println(errors.Is(err, keys.ErrKeyDestroyed))

	_, err = keys.NewSubjectKeys(store, kek, keys.WithCacheSize(0))
	fmt.Println(errors.Is(err, keys.ErrInvalidParams))
	// Output:
	// keys.SubjectKeys{cached=2 size=2 ttl=5m0s}
	// true
	// true
}

func ExampleWithCacheTTL() {
	ctx := context.Background()
	kek, _ := keys.GenerateMasterKey()
	store := keys.NewMemorySubjectKeyStore() // shared by two service instances
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	one, _ := keys.NewSubjectKeys(store, kek, keys.WithCacheTTL(time.Minute), keys.WithSubjectClock(clock))
	two, _ := keys.NewSubjectKeys(store, kek, keys.WithCacheTTL(time.Minute), keys.WithSubjectClock(clock))
	a, _ := one.AEAD(ctx, "customer-42")
	ct, _ := a.Encrypt([]byte("note"), nil)
	b, _ := two.ExistingAEAD(ctx, "customer-42")

	_ = one.Destroy(ctx, "customer-42")
	_, err := b.Decrypt(ct, nil)
	fmt.Println("other instance, within the TTL:", err == nil)
	now = now.Add(time.Minute)
	_, err = two.ExistingAEAD(ctx, "customer-42")
	fmt.Println("after the TTL:", errors.Is(err, keys.ErrKeyDestroyed))
	_, err = b.Decrypt(ct, nil)
	fmt.Println("its old AEAD too:", errors.Is(err, keys.ErrKeyDestroyed))
	// Output:
	// other instance, within the TTL: true
	// after the TTL: true
	// its old AEAD too: true
}

func ExampleKeyset_String() {
	ks, _ := keys.New(keys.HMACSHA256PRF)
	s := fmt.Sprint(ks)
	fmt.Println(s == fmt.Sprintf("keys.Keyset{template=HMAC_SHA256_PRF primary=%d keys=[%d:enabled]}", ks.PrimaryID(), ks.PrimaryID()))
	// Output: true
}

func ExampleInsecureWriteCleartext() {
	ks, _ := keys.New(keys.AES256GCM)
	var buf bytes.Buffer
	_ = keys.InsecureWriteCleartext(&buf, ks) // tests only: the file holds the key
	got, _ := keys.InsecureReadCleartext(&buf)
	fmt.Println(got.PrimaryID() == ks.PrimaryID())
	// Output: true
}
