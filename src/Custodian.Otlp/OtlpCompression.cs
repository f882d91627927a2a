using System.Buffers;
using System.IO.Compression;

namespace Custodian.Otlp;

/// <summary>The outcome of <see cref="OtlpCompression.Gunzip"/>: the bytes, or why there are none.</summary>
/// <param name="Data">The decompressed bytes, when it succeeded.</param>
/// <param name="Problem">What went wrong otherwise.</param>
public sealed record OtlpDecompressed(ReadOnlyMemory<byte> Data, OtlpProblem? Problem);

/// <summary>
/// <c>Content-Encoding: gzip</c> within bounds (CUS-73): the output may be at most <c>maxRatio</c> times the input
/// (never less than <c>minimumAllowance</c>) and never more than <c>maxBytes</c>. Decompression stops at the first byte
/// beyond a bound, so a gzip bomb costs what the bound allows and no more.
/// </summary>
public static class OtlpCompression
{
    /// <summary>How many times its compressed size a body may expand (JSON telemetry compresses 10 to 20 times).</summary>
    public const int DefaultMaxRatio = 100;

    /// <summary>What any gzip body may expand to whatever its ratio, so that small requests are never refused for it.</summary>
    public const int DefaultMinimumAllowance = 1024 * 1024;

    /// <summary>Decompresses <paramref name="compressed"/> (one or more gzip members).</summary>
    public static OtlpDecompressed Gunzip(
        ReadOnlyMemory<byte> compressed, long maxBytes, int maxRatio = DefaultMaxRatio, long minimumAllowance = DefaultMinimumAllowance)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        var allowed = Math.Min(maxBytes, Math.Max(minimumAllowance, (long)compressed.Length * maxRatio));
        allowed = Math.Min(allowed, Array.MaxLength);
        var bound = allowed == maxBytes
            ? $"the {maxBytes} bytes the server accepts"
            : $"{maxRatio} times its compressed size ({compressed.Length} bytes)";
        try
        {
            using var input = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(compressed, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(compressed.ToArray(), writable: false);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(allowed + 1, 64 * 1024));
            try
            {
                using var output = new MemoryStream();
                while (true)
                {
                    var read = gzip.Read(buffer, 0, buffer.Length);
                    if (read == 0) break;
                    if (output.Length + read > allowed)
                        return new(ReadOnlyMemory<byte>.Empty, new OtlpProblem(OtlpProblemKind.TooLarge, $"the gzip body expands beyond {bound}"));
                    output.Write(buffer, 0, read);
                }

                return new(output.GetBuffer().AsMemory(0, (int)output.Length), null);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (InvalidDataException e)
        {
            return new(ReadOnlyMemory<byte>.Empty, new OtlpProblem(OtlpProblemKind.Malformed, "Content-Encoding: gzip, but the body is not valid gzip: " + e.Message));
        }
    }
}
