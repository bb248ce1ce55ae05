package specstream

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// descriptors builds statsig_forward_proxy.proto's messages with the protobuf runtime, the
// reference the hand encoding is compared with.
func descriptors(t testing.TB) (req, resp protoreflect.MessageDescriptor) {
	t.Helper()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL
	str, u64, enum := descriptorpb.FieldDescriptorProto_TYPE_STRING, descriptorpb.FieldDescriptorProto_TYPE_UINT64,
		descriptorpb.FieldDescriptorProto_TYPE_ENUM
	field := func(name string, num int32, typ descriptorpb.FieldDescriptorProto_Type, oneof *int32, typeName string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), JsonName: proto.String(name),
			Number: proto.Int32(num), Label: &opt, Type: &typ, OneofIndex: oneof}
		if oneof != nil {
			f.Proto3Optional = proto.Bool(true)
		}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	oneofs := func(names ...string) []*descriptorpb.OneofDescriptorProto {
		var out []*descriptorpb.OneofDescriptorProto
		for _, n := range names {
			out = append(out, &descriptorpb.OneofDescriptorProto{Name: proto.String(n)})
		}
		return out
	}
	fd := &descriptorpb.FileDescriptorProto{
		Name: proto.String("statsig_forward_proxy.proto"), Package: proto.String("statsig_forward_proxy"),
		Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("ConfigSpecRequest"),
			EnumType: []*descriptorpb.EnumDescriptorProto{{Name: proto.String("apiVersion"), Value: []*descriptorpb.EnumValueDescriptorProto{
				{Name: proto.String("no_version"), Number: proto.Int32(0)}, {Name: proto.String("v1"), Number: proto.Int32(1)},
				{Name: proto.String("v2"), Number: proto.Int32(2)}}}},
			Field: []*descriptorpb.FieldDescriptorProto{
				field("sdkKey", 1, str, nil, ""),
				field("sinceTime", 12, u64, proto.Int32(0), ""),
				field("version", 3, enum, proto.Int32(1), ".statsig_forward_proxy.ConfigSpecRequest.apiVersion"),
				field("zstdDictId", 4, str, proto.Int32(2), ""),
			},
			OneofDecl: oneofs("_sinceTime", "_version", "_zstdDictId"),
		}, {
			Name: proto.String("ConfigSpecResponse"),
			Field: []*descriptorpb.FieldDescriptorProto{
				field("spec", 1, str, nil, ""),
				field("lastUpdated", 2, u64, nil, ""),
				field("zstdDictId", 3, str, proto.Int32(0), ""),
			},
			OneofDecl: oneofs("_zstdDictId"),
		}},
	}
	f, err := protodesc.NewFile(fd, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f.Messages().ByName("ConfigSpecRequest"), f.Messages().ByName("ConfigSpecResponse")
}

func randomRequest(r *rand.Rand) *ConfigSpecRequest {
	req := &ConfigSpecRequest{}
	if r.IntN(4) > 0 {
		req.SDKKey = "secret-" + strings.Repeat("k", r.IntN(40)) + "é"
	}
	if r.IntN(2) == 0 {
		v := r.Uint64N(1 << 45)
		if r.IntN(5) == 0 {
			v = 0
		}
		req.SinceTime = &v
	}
	if r.IntN(2) == 0 {
		v := int32(r.IntN(3))
		req.Version = &v
	}
	if r.IntN(4) == 0 {
		s := strings.Repeat("d", r.IntN(3))
		req.ZstdDictID = &s
	}
	return req
}

// TestRequestMatchesProtobuf: our encoding decodes to the same message in the protobuf
// runtime, and the runtime's encoding decodes to the same request with ours.
func TestRequestMatchesProtobuf(t *testing.T) {
	reqDesc, _ := descriptors(t)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		want := randomRequest(r)
		ref := dynamicpb.NewMessage(reqDesc)
		if err := proto.Unmarshal(want.Marshal(), ref); err != nil {
			t.Fatalf("%d: runtime cannot decode ours: %v", i, err)
		}
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(ref)
		if err != nil {
			t.Fatal(err)
		}
		var got ConfigSpecRequest
		if err := got.Unmarshal(b); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if !sameRequest(&got, want) {
			t.Fatalf("%d: round trip through the runtime: got %+v, want %+v", i, got, want)
		}
		if !bytes.Equal(b, want.Marshal()) && !sameRequest(&got, want) {
			t.Fatalf("%d: encodings differ", i)
		}
	}
}

func sameRequest(a, b *ConfigSpecRequest) bool {
	eqU := func(x, y *uint64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqI := func(x, y *int32) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqS := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.SDKKey == b.SDKKey && eqU(a.SinceTime, b.SinceTime) && eqI(a.Version, b.Version) && eqS(a.ZstdDictID, b.ZstdDictID)
}

func TestResponseMatchesProtobuf(t *testing.T) {
	_, respDesc := descriptors(t)
	cases := []ConfigSpecResponse{
		{},
		{Spec: NoUpdates, LastUpdated: 1700000000123},
		{Spec: `{"feature_gates":[],"time":1}`},
		{LastUpdated: 42, ZstdDictID: proto.String("")},
		{Spec: strings.Repeat("x", 300_000), LastUpdated: 1 << 62, ZstdDictID: proto.String("dict")},
	}
	for i, want := range cases {
		ref := dynamicpb.NewMessage(respDesc)
		if err := proto.Unmarshal(want.Marshal(), ref); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		b, _ := proto.Marshal(ref)
		var got ConfigSpecResponse
		if err := got.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		if got.Spec != want.Spec || got.LastUpdated != want.LastUpdated || (got.ZstdDictID == nil) != (want.ZstdDictID == nil) {
			t.Fatalf("%d: got %+v", i, got)
		}
		if want.ZstdDictID == nil && want.Spec != "" {
			enc, err := EncodeResponse(strings.NewReader(want.Spec), int64(len(want.Spec)), want.LastUpdated)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc.Bytes, want.Marshal()) {
				t.Fatalf("%d: EncodeResponse differs from Marshal", i)
			}
		}
	}
}

func TestUnmarshalRejectsAndSkips(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		wantErr bool
		want    ConfigSpecRequest
	}{
		{name: "truncated tag", in: []byte{0x80}, wantErr: true},
		{name: "truncated string", in: []byte{0x0a, 0x05, 'a'}, wantErr: true},
		{name: "invalid UTF-8 key", in: []byte{0x0a, 0x01, 0xff}, wantErr: true},
		{name: "unknown field skipped", in: []byte{0x2a, 0x01, 'z', 0x0a, 0x01, 'k'}, want: ConfigSpecRequest{SDKKey: "k"}},
		{name: "wrong wire type skipped", in: []byte{0x08, 0x05, 0x0a, 0x01, 'k'}, want: ConfigSpecRequest{SDKKey: "k"}},
		{name: "last value wins", in: []byte{0x0a, 0x01, 'a', 0x0a, 0x01, 'b'}, want: ConfigSpecRequest{SDKKey: "b"}},
		{name: "empty", in: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got ConfigSpecRequest
			err := got.Unmarshal(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !tt.wantErr && !sameRequest(&got, &tt.want) {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func FuzzRequestUnmarshal(f *testing.F) {
	f.Add([]byte{0x0a, 0x01, 'k', 0x18, 0x02, 0x60, 0x05})
	reqDesc, _ := descriptors(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var got ConfigSpecRequest
		err := got.Unmarshal(b)
		ref := dynamicpb.NewMessage(reqDesc)
		refErr := proto.Unmarshal(b, ref)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("ours: %v, runtime: %v", err, refErr)
		}
		if err != nil {
			return
		}
		fields := reqDesc.Fields()
		if got.SDKKey != ref.Get(fields.ByName("sdkKey")).String() {
			t.Fatalf("sdkKey %q vs %q", got.SDKKey, ref.Get(fields.ByName("sdkKey")).String())
		}
		if has := ref.Has(fields.ByName("sinceTime")); has != (got.SinceTime != nil) ||
			(has && *got.SinceTime != ref.Get(fields.ByName("sinceTime")).Uint()) {
			t.Fatalf("sinceTime differs")
		}
		if has := ref.Has(fields.ByName("version")); has != (got.Version != nil) ||
			(has && *got.Version != int32(ref.Get(fields.ByName("version")).Enum())) {
			t.Fatalf("version differs")
		}
	})
}
