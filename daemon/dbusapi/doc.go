// Package dbusapi serves iwd's D-Bus API, net.connman.iwd as iwd 2.3 exposes
// it (names, signatures, error names, which changes are signalled), so iwctl,
// NetworkManager, ConnMan and iwd's autotests drive wifid unchanged.
//
// It is not the station: it knows no nl80211 and no state machine. The daemon
// publishes state through the Server (AddDevice, AddStation, UpdateStation,
// SetNetworks, AddKnownNetwork, ...), which turns each change into
// InterfacesAdded/Removed and PropertiesChanged for what really changed, and
// method calls reach small backend interfaces (StationBackend, ...) with a
// context carrying a deadline and the caller. Agents asks the registered
// agents for secrets. Beside iwd's interfaces each station carries wifid's
// own net.connman.wifid.Station (LastConnect: the latest connect attempt's
// timeline); testdata/ holds the interfaces as iwd 2.3's documents and
// README.md describe them, and a test holds the introspection to them.
//
// It leans on godbus/dbus/v5 for the connection, method dispatch (one subtree
// method table per interface) and introspect's XML types. ObjectManager and
// org.freedesktop.DBus.Properties are ours: godbus has no ObjectManager, and
// its prop package cannot leave an optional property out (iwd omits
// ConnectedNetwork, KnownNetwork, LastConnectedTime, Model, Vendor when
// unset and signals them as invalidated), nor send iwd's error names on Set.
// The object tree and its signals live in subpackage objtree (the lab's
// net.connman.hwsim keeps its objects in one too). Subpackage dbustest runs a
// private dbus-daemon for tests.
package dbusapi
