using System.Runtime.Versioning;

// The suite starts PostgreSQL as the postgres user (runuser, chown), kills the server with SIGKILL and reads
// SQLite's files directly: Linux only.
[assembly: SupportedOSPlatform("linux")]
