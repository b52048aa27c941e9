package dbusapi

import (
	"strings"

	"github.com/godbus/dbus/v5/introspect"
)

// introspectXML writes node as D-Bus introspection data. It is written
// by hand rather than with encoding/xml, whose reflection cost a call
// several times a property read and whose encoder weighed on the binary.
func introspectXML(node introspect.Node) string {
	var b strings.Builder
	b.WriteString(introspect.IntrospectDeclarationString)
	b.WriteString(`<node name="` + xmlEscape(node.Name) + `">` + "\n")
	for _, i := range node.Interfaces {
		b.WriteString(`  <interface name="` + xmlEscape(i.Name) + `">` + "\n")
		for _, m := range i.Methods {
			b.WriteString(`    <method name="` + xmlEscape(m.Name) + `">` + "\n")
			writeArgs(&b, m.Args)
			writeAnnotations(&b, m.Annotations)
			b.WriteString("    </method>\n")
		}
		for _, s := range i.Signals {
			b.WriteString(`    <signal name="` + xmlEscape(s.Name) + `">` + "\n")
			writeArgs(&b, s.Args)
			writeAnnotations(&b, s.Annotations)
			b.WriteString("    </signal>\n")
		}
		for _, p := range i.Properties {
			b.WriteString(`    <property name="` + xmlEscape(p.Name) + `" type="` + xmlEscape(p.Type) +
				`" access="` + xmlEscape(p.Access) + `">`)
			if len(p.Annotations) > 0 {
				b.WriteString("\n")
				writeAnnotations(&b, p.Annotations)
				b.WriteString("    ")
			}
			b.WriteString("</property>\n")
		}
		writeAnnotations(&b, i.Annotations)
		b.WriteString("  </interface>\n")
	}
	for _, c := range node.Children {
		b.WriteString(`  <node name="` + xmlEscape(c.Name) + `"></node>` + "\n")
	}
	b.WriteString("</node>")
	return b.String()
}

func writeArgs(b *strings.Builder, args []introspect.Arg) {
	for _, a := range args {
		b.WriteString(`      <arg name="` + xmlEscape(a.Name) + `" type="` + xmlEscape(a.Type) + `"`)
		if a.Direction != "" {
			b.WriteString(` direction="` + xmlEscape(a.Direction) + `"`)
		}
		b.WriteString("></arg>\n")
	}
}

func writeAnnotations(b *strings.Builder, as []introspect.Annotation) {
	for _, a := range as {
		b.WriteString(`      <annotation name="` + xmlEscape(a.Name) + `" value="` + xmlEscape(a.Value) + `"></annotation>` + "\n")
	}
}

var xmlEscaper = strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&quot;", `'`, "&apos;")

func xmlEscape(s string) string { return xmlEscaper.Replace(s) }
