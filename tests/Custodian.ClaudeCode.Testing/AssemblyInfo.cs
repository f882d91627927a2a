using System.Runtime.Versioning;

// The real client runs here on Linux only (tmux, POSIX file modes, the linux-x64 native build).
[assembly: SupportedOSPlatform("linux")]
