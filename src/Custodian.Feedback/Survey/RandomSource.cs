using System.Security.Cryptography;

namespace Custodian.Feedback.Survey;

/// <summary>Where the survey's sampling draw comes from (SRV-2); tests pass a fixed one.</summary>
public interface IRandomSource
{
    /// <summary>A number in [0, 1).</summary>
    double NextDouble();
}

/// <summary>The production draw: uniform in [0, 1) from the system's cryptographic generator.</summary>
public sealed class SystemRandomSource : IRandomSource
{
    /// <summary>The one instance.</summary>
    public static readonly SystemRandomSource Instance = new();

    private SystemRandomSource()
    {
    }

    /// <inheritdoc />
    public double NextDouble()
    {
        // 53 random bits scaled into [0, 1): every representable step is equally likely.
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        var bits = BitConverter.ToUInt64(bytes) >> 11;
        return bits * (1.0 / (1UL << 53));
    }
}

/// <summary>A draw from a function, for tests and callers that already own a source.</summary>
public sealed class FuncRandomSource : IRandomSource
{
    private readonly Func<double> _next;

    /// <summary>Draws from <paramref name="next"/>.</summary>
    public FuncRandomSource(Func<double> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        _next = next;
    }

    /// <inheritdoc />
    public double NextDouble() => _next();
}
