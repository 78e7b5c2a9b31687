/* The user the bridge takes as its own in the sanitizer build (BRIDGE_EUID), so the driver can be another one. */
unsigned bridge_test_euid(void);
