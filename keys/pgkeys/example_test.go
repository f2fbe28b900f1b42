package pgkeys_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/custos-dev/custos/keys"
	"github.com/custos-dev/custos/keys/pgkeys"
)

// exampleTable returns a table name of its own for each example run, and a
// function that drops its two tables.
func exampleTable(pool *pgxpool.Pool) (string, func()) {
	var r [4]byte
	_, _ = rand.Read(r[:])
	name := "custos_subject_keys_example_" + hex.EncodeToString(r[:])
	return name, func() {
		_, _ = pool.Exec(context.Background(), "DROP TABLE IF EXISTS "+name+", "+name+pgkeys.TombstoneSuffix)
	}
}

// Per-subject keys in PostgreSQL: every instance of the service, and every
// restart, sees the same keys, and an erasure holds everywhere.
func Example() {
	ctx := context.Background()
	// e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable
	pool, err := pgxpool.New(ctx, os.Getenv("CUSTOS_POSTGRES_URL"))
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	table, drop := exampleTable(pool) // e.g. "subject_keys"
	defer drop()

	// At deployment:
	if err := pgkeys.Migrate(ctx, pool, table); err != nil {
		panic(err)
	}
	// In the service:
	store, err := pgkeys.New(pool, table)
	if err != nil {
		panic(err)
	}
	kek, _ := keys.GenerateMasterKey() // in production a KMS key
	sk, _ := keys.NewSubjectKeys(store, kek)
	a, err := sk.AEAD(ctx, "customer-42")
	if err != nil {
		panic(err)
	}
	ct, _ := a.Encrypt([]byte("ada@example.com"), []byte("customers.email"))

	// Another instance, or this one after a restart.
	other, _ := keys.NewSubjectKeys(store, kek)
	b, err := other.ExistingAEAD(ctx, "customer-42")
	if err != nil {
		panic(err)
	}
	pt, err := b.Decrypt(ct, []byte("customers.email"))
	fmt.Println(string(pt), err)

	// The customer asks to be forgotten.
	if err := sk.Destroy(ctx, "customer-42"); err != nil {
		panic(err)
	}
	later, _ := keys.NewSubjectKeys(store, kek)
	_, err = later.ExistingAEAD(ctx, "customer-42")
	fmt.Println(errors.Is(err, keys.ErrKeyDestroyed))
	_, erased, _ := store.Tombstone(ctx, "customer-42")
	fmt.Println(erased)
	// Output:
	// ada@example.com <nil>
	// true
	// true
}

// A backup of the keys table, restored after an erasure, does not bring the
// subject back: the tombstone is in another table.
func Example_backupRestore() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("CUSTOS_POSTGRES_URL"))
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	table, drop := exampleTable(pool)
	defer drop()
	if err := pgkeys.Migrate(ctx, pool, table); err != nil {
		panic(err)
	}
	store, _ := pgkeys.New(pool, table)

	_ = store.Create(ctx, "customer-7", []byte("wrapped data key"))
	backup := table + "_backup"
	_, _ = pool.Exec(ctx, "CREATE TABLE "+backup+" AS SELECT * FROM "+table)
	defer pool.Exec(ctx, "DROP TABLE "+backup)
	_ = store.Destroy(ctx, "customer-7")
	_, err = store.Get(ctx, "customer-7")
	fmt.Println(err)

	// The keys table is restored from the backup.
	_, _ = pool.Exec(ctx, "INSERT INTO "+table+" SELECT * FROM "+backup)
	_, err = store.Get(ctx, "customer-7")
	fmt.Println(err)
	err = store.Create(ctx, "customer-7", []byte("new data key"))
	fmt.Println(err)
	// Output:
	// keys: key destroyed: pgkeys: subject was erased
	// keys: key destroyed: pgkeys: subject was erased
	// keys: key destroyed: pgkeys: subject was erased
}
