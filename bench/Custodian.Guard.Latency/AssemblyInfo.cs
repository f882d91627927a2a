using System.Runtime.Versioning;

// The real client and its sandbox run on Linux, like CI.
[assembly: SupportedOSPlatform("linux")]
