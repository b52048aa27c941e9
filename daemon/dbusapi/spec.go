package dbusapi

import (
	"strings"

	"github.com/godbus/dbus/v5/introspect"

	"wifid/internal/objtree"
)

// Interface names, as iwd's src/dbus.h.
const (
	DaemonInterface            = Service + ".Daemon"
	AgentManagerInterface      = Service + ".AgentManager"
	AgentInterface             = Service + ".Agent"
	AdapterInterface           = Service + ".Adapter"
	DeviceInterface            = Service + ".Device"
	StationInterface           = Service + ".Station"
	StationDebugInterface      = Service + ".StationDebug"
	StationDiagnosticInterface = Service + ".StationDiagnostic"
	NetworkInterface           = Service + ".Network"
	KnownNetworkInterface      = Service + ".KnownNetwork"
	BSSInterface               = Service + ".BasicServiceSet" // iwd 3.x
	SignalLevelAgentInterface  = Service + ".SignalLevelAgent"

	PropertiesInterface    = objtree.PropertiesInterface
	ObjectManagerInterface = objtree.ObjectManagerInterface
	IntrospectInterface    = objtree.IntrospectInterface
)

// BasePath is iwd's base object path: Daemon and AgentManager live here,
// adapters, devices and known networks below.
const BasePath = "/net/connman/iwd"

// The specs below are the single description of each interface: the
// introspection XML, the property signatures a Set is checked against and
// which properties are writable all come from here.

// arg lists are written "name:sig name:sig".
func args(dir, list string) []introspect.Arg {
	var out []introspect.Arg
	for _, f := range strings.Fields(list) {
		name, sig, _ := strings.Cut(f, ":")
		out = append(out, introspect.Arg{Name: name, Type: sig, Direction: dir})
	}
	return out
}

func method(name, in, out string) introspect.Method {
	return introspect.Method{Name: name, Args: append(args("in", in), args("out", out)...)}
}

func noReply(m introspect.Method) introspect.Method {
	m.Annotations = []introspect.Annotation{{Name: "org.freedesktop.DBus.Method.NoReply", Value: "true"}}
	return m
}

func signal(name, list string) introspect.Signal {
	s := introspect.Signal{Name: name}
	for _, a := range args("", list) {
		a.Direction = ""
		s.Args = append(s.Args, a)
	}
	return s
}

func prop(name, sig string, writable bool) introspect.Property {
	access := "read"
	if writable {
		access = "readwrite"
	}
	return introspect.Property{Name: name, Type: sig, Access: access}
}

var specs = map[string]introspect.Interface{
	DaemonInterface: {Name: DaemonInterface, Methods: []introspect.Method{
		method("GetInfo", "", "info:a{sv}"),
	}},
	AgentManagerInterface: {Name: AgentManagerInterface, Methods: []introspect.Method{
		method("RegisterAgent", "path:o", ""),
		method("UnregisterAgent", "path:o", ""),
		method("RegisterNetworkConfigurationAgent", "path:o", ""),
		method("UnregisterNetworkConfigurationAgent", "path:o", ""),
	}},
	AdapterInterface: {Name: AdapterInterface, Properties: []introspect.Property{
		prop("Powered", "b", true),
		prop("Model", "s", false),
		prop("Vendor", "s", false),
		prop("Name", "s", false),
		prop("SupportedModes", "as", false),
	}},
	DeviceInterface: {Name: DeviceInterface, Properties: []introspect.Property{
		prop("Name", "s", false),
		prop("Address", "s", false),
		prop("Powered", "b", true),
		prop("Adapter", "o", false),
		prop("Mode", "s", true),
	}},
	StationInterface: {Name: StationInterface, Methods: []introspect.Method{
		method("ConnectHiddenNetwork", "name:s", ""),
		method("Disconnect", "", ""),
		method("GetOrderedNetworks", "", "networks:a(on)"),
		method("GetHiddenAccessPoints", "", "accesspoints:a(sns)"),
		method("Scan", "", ""),
		method("RegisterSignalLevelAgent", "path:o levels:an", ""),
		method("UnregisterSignalLevelAgent", "path:o", ""),
	}, Properties: []introspect.Property{
		prop("ConnectedNetwork", "o", false),
		prop("ConnectedAccessPoint", "o", false), // iwd 3.x
		prop("Affinities", "ao", true),           // iwd 3.x, experimental
		prop("Scanning", "b", false),
		prop("State", "s", false),
	}},
	StationDiagnosticInterface: {Name: StationDiagnosticInterface, Methods: []introspect.Method{
		method("GetDiagnostics", "", "diagnostics:a{sv}"),
	}},
	StationDebugInterface: {Name: StationDebugInterface, Methods: []introspect.Method{
		method("ConnectBssid", "mac:ay", ""),
		method("Roam", "mac:ay", ""),
		method("Scan", "frequencies:aq", ""),
		method("GetNetworks", "", "networks:a{oaa{sv}}"),
	}, Signals: []introspect.Signal{
		signal("Event", "name:s data:av"),
	}, Properties: []introspect.Property{
		prop("AutoConnect", "b", true),
	}},
	NetworkInterface: {Name: NetworkInterface, Methods: []introspect.Method{
		method("Connect", "", ""),
	}, Properties: []introspect.Property{
		prop("Name", "s", false),
		prop("Connected", "b", false),
		prop("Device", "o", false),
		prop("Type", "s", false),
		prop("KnownNetwork", "o", false),
		prop("ExtendedServiceSet", "ao", false), // iwd 3.x
	}},
	BSSInterface: {Name: BSSInterface, Properties: []introspect.Property{
		prop("Address", "s", false),
	}},
	KnownNetworkInterface: {Name: KnownNetworkInterface, Methods: []introspect.Method{
		method("Forget", "", ""),
	}, Properties: []introspect.Property{
		prop("Name", "s", false),
		prop("Type", "s", false),
		prop("Hidden", "b", false),
		prop("AutoConnect", "b", true),
		prop("LastConnectedTime", "s", false),
	}},
	PropertiesInterface: {Name: PropertiesInterface, Methods: []introspect.Method{
		method("Get", "interface_name:s property_name:s", "value:v"),
		method("Set", "interface_name:s property_name:s value:v", ""),
		method("GetAll", "interface_name:s", "props:a{sv}"),
	}, Signals: []introspect.Signal{
		signal("PropertiesChanged", "interface_name:s changed_properties:a{sv} invalidated_properties:as"),
	}},
	ObjectManagerInterface: {Name: ObjectManagerInterface, Methods: []introspect.Method{
		method("GetManagedObjects", "", "objpath_interfaces_and_properties:a{oa{sa{sv}}}"),
	}, Signals: []introspect.Signal{
		signal("InterfacesAdded", "object_path:o interfaces_and_properties:a{sa{sv}}"),
		signal("InterfacesRemoved", "object_path:o interfaces:as"),
	}},
	IntrospectInterface: introspect.IntrospectData,
	WifidStationInterface: {Name: WifidStationInterface, Properties: []introspect.Property{
		prop("LastConnect", "a{sv}", false),
	}},
}

// AgentSpec and SignalLevelAgentSpec describe the interfaces a client
// exports for wifid to call (wifictl and the tests use them).
var (
	AgentSpec = introspect.Interface{Name: AgentInterface, Methods: []introspect.Method{
		noReply(method("Release", "", "")),
		method("RequestPassphrase", "network:o", "passphrase:s"),
		method("RequestPrivateKeyPassphrase", "network:o", "passphrase:s"),
		method("RequestUserNameAndPassword", "network:o", "user:s password:s"),
		method("RequestUserPassword", "network:o user:s", "password:s"),
		noReply(method("Cancel", "reason:s", "")),
	}}
	SignalLevelAgentSpec = introspect.Interface{Name: SignalLevelAgentInterface, Methods: []introspect.Method{
		noReply(method("Release", "device:o", "")),
		noReply(method("Changed", "device:o level:y", "")),
	}}
)

// propSpec finds a property's description.
func propSpec(iface, name string) (introspect.Property, bool) {
	for _, p := range specs[iface].Properties {
		if p.Name == name {
			return p, true
		}
	}
	return introspect.Property{}, false
}
