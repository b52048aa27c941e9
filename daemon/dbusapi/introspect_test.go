package dbusapi

import (
	"encoding/xml"
	"reflect"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5/introspect"
)

// TestIntrospectXMLRoundTrip: what introspectXML writes parses back, with
// encoding/xml, into the node it was written from, for every interface
// wifid describes, with names that need escaping.
func TestIntrospectXMLRoundTrip(t *testing.T) {
	node := introspect.Node{Name: `/net/connman/iwd/0/"x"&<y>`}
	for _, i := range specs {
		node.Interfaces = append(node.Interfaces, i)
	}
	node.Interfaces = append(node.Interfaces, introspect.Interface{Name: "a.b",
		Properties: []introspect.Property{{Name: "P", Type: "s", Access: "read",
			Annotations: []introspect.Annotation{{Name: "org.freedesktop.DBus.Property.EmitsChangedSignal", Value: "false"}}}},
		Annotations: []introspect.Annotation{{Name: "x", Value: "it's"}}})
	node.Children = []introspect.Node{{Name: "1"}, {Name: "2"}}
	out := introspectXML(node)
	if !strings.HasPrefix(out, introspect.IntrospectDeclarationString) {
		t.Fatalf("no DOCTYPE:\n%s", out)
	}
	var back introspect.Node
	if err := xml.Unmarshal([]byte(out), &back); err != nil {
		t.Fatalf("does not parse: %v\n%s", err, out)
	}
	norm := func(n *introspect.Node) {
		n.XMLName = xml.Name{}
		for i := range n.Children {
			n.Children[i].XMLName = xml.Name{}
		}
	}
	norm(&back)
	// encoding/xml reads absent slices as nil.
	for i := range node.Interfaces {
		for j := range node.Interfaces[i].Methods {
			if len(node.Interfaces[i].Methods[j].Args) == 0 {
				node.Interfaces[i].Methods[j].Args = nil
			}
		}
	}
	if !reflect.DeepEqual(back, node) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", back, node)
	}
}
