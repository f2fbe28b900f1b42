package keys

import (
	"testing"

	"golang.org/x/crypto/argon2"
	"google.golang.org/protobuf/proto"

	aesgcmpb "github.com/tink-crypto/tink-go/v2/proto/aes_gcm_go_proto"
	aessivpb "github.com/tink-crypto/tink-go/v2/proto/aes_siv_go_proto"
	hkdfpb "github.com/tink-crypto/tink-go/v2/proto/hkdf_prf_go_proto"
	hmacpb "github.com/tink-crypto/tink-go/v2/proto/hmac_prf_go_proto"
	tinkpb "github.com/tink-crypto/tink-go/v2/proto/tink_go_proto"
)

func argon2IDKeyForTest(pass, salt []byte, p Argon2Params) []byte {
	return argon2.IDKey(pass, salt, p.Time, p.MemoryKiB, p.Threads, 32)
}

// keyMaterial extracts the raw key bytes of a serialized cleartext keyset.
func keyMaterial(t *testing.T, serialized []byte) [][]byte {
	t.Helper()
	var ks tinkpb.Keyset
	if err := proto.Unmarshal(serialized, &ks); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, k := range ks.GetKey() {
		v := k.GetKeyData().GetValue()
		var m interface{ GetKeyValue() []byte }
		switch url := k.GetKeyData().GetTypeUrl(); url {
		case "type.googleapis.com/google.crypto.tink.AesGcmKey":
			m = &aesgcmpb.AesGcmKey{}
		case "type.googleapis.com/google.crypto.tink.AesSivKey":
			m = &aessivpb.AesSivKey{}
		case "type.googleapis.com/google.crypto.tink.HkdfPrfKey":
			m = &hkdfpb.HkdfPrfKey{}
		case "type.googleapis.com/google.crypto.tink.HmacPrfKey":
			m = &hmacpb.HmacPrfKey{}
		default:
			t.Fatalf("cannot extract key material of %s", url)
		}
		if err := proto.Unmarshal(v, m.(proto.Message)); err != nil || len(m.GetKeyValue()) < 32 {
			t.Fatalf("cannot extract key material: %v", err)
		}
		out = append(out, m.GetKeyValue())
	}
	if len(out) == 0 {
		t.Fatal("no key material found")
	}
	return out
}
