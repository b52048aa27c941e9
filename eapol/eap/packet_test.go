package eap

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseMarshal(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want Packet
		out  []byte // Marshal's octets if not in
	}{
		{"identity request", []byte{1, 7, 0, 5, 1}, Packet{Code: CodeRequest, ID: 7, Type: TypeIdentity, Data: []byte{}}, nil},
		{"identity response", []byte{2, 7, 0, 8, 1, 'b', 'o', 'b'}, Packet{Code: CodeResponse, ID: 7, Type: TypeIdentity, Data: []byte("bob")}, nil},
		{"padding ignored", []byte{2, 7, 0, 6, 3, 26, 0, 0, 0}, Packet{Code: CodeResponse, ID: 7, Type: TypeNak, Data: []byte{26}}, []byte{2, 7, 0, 6, 3, 26}},
		{"success", []byte{3, 9, 0, 4}, Packet{Code: CodeSuccess, ID: 9}, nil},
		{"failure with data", []byte{4, 9, 0, 6, 1, 2}, Packet{Code: CodeFailure, ID: 9}, []byte{4, 9, 0, 4}},
		{"unknown code", []byte{5, 1, 0, 4}, Packet{Code: 5, ID: 1}, nil},
		{"expanded nak", []byte{2, 3, 0, 20, 254, 0, 0, 0, 0, 0, 0, 3, 254, 0, 0, 0, 0, 0, 0, 26},
			Packet{Code: CodeResponse, ID: 3, Type: TypeExpanded, Vendor: 0, VendorType: 3, Data: []byte{254, 0, 0, 0, 0, 0, 0, 26}}, nil},
		{"expanded vendor", []byte{1, 3, 0, 13, 254, 0, 0x9f, 0x40, 0, 0, 0, 1, 0xaa},
			Packet{Code: CodeRequest, ID: 3, Type: TypeExpanded, Vendor: 0x9f40, VendorType: 1, Data: []byte{0xaa}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if p.Code != tc.want.Code || p.ID != tc.want.ID || p.Type != tc.want.Type || p.Vendor != tc.want.Vendor ||
				p.VendorType != tc.want.VendorType || !bytes.Equal(p.Data, tc.want.Data) {
				t.Fatalf("Parse = %+v, want %+v", p, tc.want)
			}
			out, err := p.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			want := tc.out
			if want == nil {
				want = tc.in
			}
			if !bytes.Equal(out, want) {
				t.Fatalf("Marshal = % x, want % x", out, want)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	for _, in := range [][]byte{
		nil,
		{1, 1, 0},
		{1, 1, 0, 3},               // Length below the header
		{1, 1, 0, 4},               // Request without a Type
		{2, 1, 0, 9, 1, 'a'},       // Length beyond the octets
		{3, 1, 0, 5},               // Success longer than it is
		{1, 1, 0, 8, 254, 0, 0, 0}, // Expanded Type cut short
	} {
		if p, err := Parse(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(% x) = %v, %v; want ErrMalformed", in, p, err)
		}
	}
}

func TestMarshalLimits(t *testing.T) {
	if _, err := (Packet{Code: CodeRequest, Type: TypeTLS, Data: make([]byte, 65531)}).Marshal(); err == nil {
		t.Error("65536-octet packet marshalled")
	}
	if b, err := (Packet{Code: CodeRequest, Type: TypeTLS, Data: make([]byte, 65530)}).Marshal(); err != nil || len(b) != 65535 {
		t.Errorf("65535-octet packet: %d octets, %v", len(b), err)
	}
	if _, err := (Packet{Code: CodeRequest, Type: TypeExpanded, Vendor: 1 << 24}).Marshal(); err == nil {
		t.Error("25-bit Vendor-Id marshalled")
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{CodeRequest.String(), "Request"}, {CodeFailure.String(), "Failure"}, {Code(9).String(), "Code(9)"},
		{TypeMD5.String(), "MD5-Challenge"}, {TypePEAP.String(), "PEAP"}, {TypePWD.String(), "PWD"},
		{TypeMSCHAPv2.String(), "MSCHAPv2"}, {Type(200).String(), "Type(200)"},
		{(Packet{Code: CodeResponse, ID: 4, Type: TypeIdentity, Data: []byte("secret")}).String(), "Response id=4 Identity len=11"},
	} {
		if tc.got != tc.want {
			t.Errorf("%q, want %q", tc.got, tc.want)
		}
	}
}

// FuzzParse: the parser never panics, and what it takes marshals back to
// the octets it read up to Length (Success and Failure to their header).
func FuzzParse(f *testing.F) {
	for _, s := range [][]byte{
		{1, 7, 0, 5, 1}, {2, 7, 0, 8, 1, 'b', 'o', 'b'}, {3, 9, 0, 4}, {4, 9, 0, 6, 1, 2},
		{1, 3, 0, 13, 254, 0, 0x9f, 0x40, 0, 0, 0, 1, 0xaa}, {1, 1, 0, 6, 26, 1},
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			return
		}
		out, err := p.Marshal()
		if err != nil {
			t.Fatalf("parsed %v does not marshal: %v", p, err)
		}
		want := b[:int(b[2])<<8|int(b[3])]
		if p.Code != CodeRequest && p.Code != CodeResponse {
			want = []byte{b[0], b[1], 0, HeaderLen}
		}
		if !bytes.Equal(out, want) {
			t.Fatalf("% x parsed and marshalled to % x", b, out)
		}
	})
}
