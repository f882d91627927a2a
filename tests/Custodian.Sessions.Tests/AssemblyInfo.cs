using System.Runtime.Versioning;

// The sweep's safety tests use Unix file modes, chattr, symbolic links and SIGKILL.
[assembly: SupportedOSPlatform("linux")]
