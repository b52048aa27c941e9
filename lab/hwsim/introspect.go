package hwsim

import (
	"slices"
	"strings"

	"github.com/godbus/dbus/v5"
)

// interfaceXML describes each interface for Introspect (busctl uses it).
var interfaceXML = map[string]string{
	RadioManagerInterface: `<method name="CreateRadio"><arg name="options" type="a{sv}" direction="in"/><arg name="path" type="o" direction="out"/></method>`,
	RuleManagerInterface:  `<method name="AddRule"><arg name="path" type="o" direction="out"/></method>`,
	RadioInterface: `<method name="Destroy"/><method name="Remove"/>` +
		`<property name="Name" type="s" access="read"/><property name="Addresses" type="as" access="read"/>` +
		`<property name="Channels" type="q" access="read"/><property name="Alpha2" type="(yy)" access="read"/>` +
		`<property name="P2PDevice" type="b" access="read"/><property name="RegulatoryDomainIndex" type="u" access="read"/>`,
	InterfaceInterface: `<method name="SendFrame"><arg name="station" type="ay" direction="in"/><arg name="frequency" type="u" direction="in"/>` +
		`<arg name="signal" type="i" direction="in"/><arg name="frame" type="ay" direction="in"/></method>` +
		`<property name="Name" type="s" access="read"/><property name="Address" type="s" access="read"/>`,
	RuleInterface: `<method name="Remove"/>` +
		`<property name="Source" type="s" access="readwrite"/><property name="Destination" type="s" access="readwrite"/>` +
		`<property name="Bidirectional" type="b" access="readwrite"/><property name="Frequency" type="u" access="readwrite"/>` +
		`<property name="Priority" type="n" access="readwrite"/><property name="SignalStrength" type="n" access="readwrite"/>` +
		`<property name="Drop" type="b" access="readwrite"/><property name="DropProbability" type="d" access="readwrite"/>` +
		`<property name="DropAck" type="b" access="readwrite"/><property name="Delay" type="u" access="readwrite"/>` +
		`<property name="Prefix" type="ay" access="readwrite"/><property name="MatchBytes" type="ay" access="readwrite"/>` +
		`<property name="MatchBytesOffset" type="q" access="readwrite"/><property name="MatchTimes" type="q" access="readwrite"/>` +
		`<property name="Enabled" type="b" access="readwrite"/>`,
	objectManagerInterface: `<method name="GetManagedObjects"><arg type="a{oa{sa{sv}}}" direction="out"/></method>` +
		`<signal name="InterfacesAdded"><arg type="o"/><arg type="a{sa{sv}}"/></signal>` +
		`<signal name="InterfacesRemoved"><arg type="o"/><arg type="as"/></signal>`,
	propertiesInterface: `<method name="Get"><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="v" direction="out"/></method>` +
		`<method name="GetAll"><arg type="s" direction="in"/><arg type="a{sv}" direction="out"/></method>` +
		`<method name="Set"><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="v" direction="in"/></method>` +
		`<signal name="PropertiesChanged"><arg type="s"/><arg type="a{sv}"/><arg type="as"/></signal>`,
	introspectInterface: `<method name="Introspect"><arg type="s" direction="out"/></method>`,
}

// introspect describes the object at p and names its children.
func (s *Service) introspect(p dbus.ObjectPath) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ifaces []string
	if p == "/" {
		ifaces = []string{RadioManagerInterface, RuleManagerInterface, objectManagerInterface}
	} else {
		ifaces = s.tree.Interfaces(p)
	}
	ifaces = append(ifaces, propertiesInterface, introspectInterface)
	slices.Sort(ifaces)
	var b strings.Builder
	b.WriteString(`<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">` + "\n<node>")
	for _, i := range ifaces {
		b.WriteString(`<interface name="` + i + `">` + interfaceXML[i] + `</interface>`)
	}
	for _, c := range s.tree.Children(p) {
		b.WriteString(`<node name="` + c + `"/>`)
	}
	b.WriteString("</node>\n")
	return b.String()
}
