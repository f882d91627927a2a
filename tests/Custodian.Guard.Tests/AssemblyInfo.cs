using System.Runtime.Versioning;

// Terminal, process and file-mode tests run on Linux, like CI.
[assembly: SupportedOSPlatform("linux")]
