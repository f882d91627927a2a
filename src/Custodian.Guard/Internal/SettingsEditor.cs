using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Custodian.Guard.Internal;

/// <summary>A span of text the guard inserted into a settings file, in the coordinates of the file after the install.</summary>
internal readonly record struct InsertedSpan(int Offset, int Length);

/// <summary>How a settings file is laid out, so that what the guard inserts looks like the rest of it.</summary>
internal sealed record JsonStyle(bool Pretty, string Unit, string NewLine)
{
    public static JsonStyle Default { get; } = new(true, "  ", "\n");
}

/// <summary>
/// Text edits of a Claude Code settings file that add or remove the guard's hook entries and nothing else: every other
/// byte (order, spacing, comments-free JSON as written, other hooks) is kept (GRD-1).
/// </summary>
internal static class SettingsEditor
{
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>The file with the guard's hooks added (it holds none of them yet), and where the added text is.</summary>
    /// <exception cref="SettingsShapeException">The file's JSON is not shaped as Claude Code's settings are.</exception>
    public static (byte[] Text, List<InsertedSpan> Inserted) Install(byte[]? original, string command)
    {
        if (original is null)
        {
            var style = JsonStyle.Default;
            var created = "{" + style.NewLine + style.Unit + Member("hooks", HooksObject(command, style, style.Unit), style) + style.NewLine + "}" + style.NewLine;
            var bytes = Encoding.UTF8.GetBytes(created);
            return (bytes, [new InsertedSpan(0, bytes.Length)]);
        }

        var text = original;
        var start = text.AsSpan().StartsWith(Bom) ? Bom.Length : 0;
        var root = ReadRoot(text, start);
        var styleOf = DetectStyle(text, root);
        var edits = new List<(int Offset, string Text)>();
        var hooks = root.Member("hooks");
        if (hooks is null)
        {
            var indent = ItemIndent(text, root, styleOf);
            edits.Add(InsertItems(text, root, [Member("hooks", HooksObject(command, styleOf, indent), styleOf)], styleOf));
        }
        else
        {
            if (hooks.Value.Kind != JsonTokenType.StartObject) throw new SettingsShapeException("hooks: not a JSON object");
            var hooksObject = JsonContainer.Read(text, hooks.Value.ValueStart);
            var memberIndent = ItemIndent(text, hooksObject, styleOf);
            var newMembers = new List<string>();
            foreach (var hook in GuardHooks.All)
            {
                var existing = hooksObject.Member(hook.Event);
                if (existing is null)
                {
                    newMembers.Add(Member(hook.Event, OneGroupArray(hook, command, styleOf, memberIndent), styleOf));
                    continue;
                }

                if (existing.Value.Kind != JsonTokenType.StartArray) throw new SettingsShapeException($"hooks.{hook.Event}: not a JSON array");
                var array = JsonContainer.Read(text, existing.Value.ValueStart);
                edits.Add(InsertItems(text, array, [Group(hook, command, styleOf, ItemIndent(text, array, styleOf))], styleOf));
            }

            if (newMembers.Count > 0) edits.Add(InsertItems(text, hooksObject, newMembers, styleOf));
        }

        return Apply(text, edits);
    }

    /// <summary>
    /// The file with every guard handler removed, whichever build wrote it: a matcher group holding only guard handlers
    /// goes whole, an event left with no group goes, and <c>hooks</c> goes when nothing else is left in it. Null when
    /// the file holds no guard handler.
    /// </summary>
    public static byte[]? RemoveGuard(byte[] text, out bool onlyGuardWasThere)
    {
        var start = text.AsSpan().StartsWith(Bom) ? Bom.Length : 0;
        var changed = false;
        onlyGuardWasThere = false;
        while (true)
        {
            var root = ReadRoot(text, start);
            var hooks = root.Member("hooks");
            if (hooks is null || hooks.Value.Kind != JsonTokenType.StartObject) break;
            var hooksObject = JsonContainer.Read(text, hooks.Value.ValueStart);
            var next = NextRemoval(text, root, hooks.Value, hooksObject);
            if (next is null) break;
            if (next.Value.WholeFile) onlyGuardWasThere = root.Items.Count == 1;
            text = Remove(text, next.Value.Container, next.Value.Index);
            changed = true;
        }

        return changed ? text : null;
    }

    /// <summary>The text without <paramref name="spans"/> (coordinates of <paramref name="text"/>).</summary>
    public static byte[] RemoveSpans(byte[] text, IReadOnlyList<InsertedSpan> spans)
    {
        var result = new List<byte>(text.Length);
        var at = 0;
        foreach (var span in spans.OrderBy(s => s.Offset))
        {
            if (span.Offset < at || span.Offset + span.Length > text.Length) throw new ArgumentException("the spans overlap or fall outside the text", nameof(spans));
            result.AddRange(text.AsSpan(at, span.Offset - at));
            at = span.Offset + span.Length;
        }

        result.AddRange(text.AsSpan(at));
        return [.. result];
    }

    /// <summary>Whether the file has at least one guard handler in any event.</summary>
    public static bool HasGuard(byte[] text) => RemoveGuard(text, out _) is not null;

    private readonly record struct Removal(JsonContainer Container, int Index, bool WholeFile);

    private static Removal? NextRemoval(byte[] text, JsonContainer root, JsonItem hooksMember, JsonContainer hooksObject)
    {
        var events = new List<(int Index, JsonContainer Array, List<int> Ours, List<(int Group, JsonContainer Handlers, List<int> Ours)> Mixed)>();
        var allOurs = hooksObject.Items.Count > 0;
        for (var i = 0; i < hooksObject.Items.Count; i++)
        {
            var member = hooksObject.Items[i];
            if (member.Kind != JsonTokenType.StartArray)
            {
                allOurs = false;
                continue;
            }

            var array = JsonContainer.Read(text, member.ValueStart);
            var ours = new List<int>();
            var mixed = new List<(int, JsonContainer, List<int>)>();
            for (var g = 0; g < array.Items.Count; g++)
            {
                var (handlers, guardHandlers) = GuardHandlers(text, array.Items[g]);
                if (handlers is null || guardHandlers.Count == 0) continue;
                if (guardHandlers.Count == handlers.Items.Count) ours.Add(g);
                else mixed.Add((g, handlers, guardHandlers));
            }

            if (ours.Count != array.Items.Count || array.Items.Count == 0 || mixed.Count > 0) allOurs = false;
            events.Add((i, array, ours, mixed));
        }

        var rootIndex = IndexOf(root, hooksMember);
        if (allOurs) return new Removal(root, rootIndex, true);
        foreach (var (index, array, ours, mixed) in events)
        {
            if (ours.Count > 0 && ours.Count == array.Items.Count) return new Removal(hooksObject, index, false);
            if (ours.Count > 0) return new Removal(array, ours[^1], false);
            if (mixed.Count > 0) return new Removal(mixed[^1].Handlers, mixed[^1].Ours[^1], false);
        }

        return null;
    }

    private static int IndexOf(JsonContainer container, JsonItem item)
    {
        for (var i = 0; i < container.Items.Count; i++)
        {
            if (container.Items[i].Start == item.Start) return i;
        }

        throw new InvalidOperationException("the item is not in the container");
    }

    /// <summary>A matcher group's <c>hooks</c> array and which of its handlers are the guard's.</summary>
    private static (JsonContainer? Handlers, List<int> Ours) GuardHandlers(byte[] text, JsonItem group)
    {
        if (group.Kind != JsonTokenType.StartObject) return (null, []);
        var groupObject = JsonContainer.Read(text, group.ValueStart);
        var hooks = groupObject.Member("hooks");
        if (hooks is null || hooks.Value.Kind != JsonTokenType.StartArray) return (null, []);
        var handlers = JsonContainer.Read(text, hooks.Value.ValueStart);
        var ours = new List<int>();
        for (var h = 0; h < handlers.Items.Count; h++)
        {
            var handler = handlers.Items[h];
            if (handler.Kind != JsonTokenType.StartObject) continue;
            using var document = JsonDocument.Parse(text.AsMemory(handler.ValueStart, handler.End - handler.ValueStart));
            var element = document.RootElement;
            if (element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "command"
                && element.TryGetProperty("command", out var command) && command.ValueKind == JsonValueKind.String
                && HookCommandLine.IsGuardCommand(command.GetString()))
            {
                ours.Add(h);
            }
        }

        return (handlers, ours);
    }

    /// <summary>Removes item <paramref name="index"/> of <paramref name="container"/> with one of the separators around it.</summary>
    private static byte[] Remove(byte[] text, JsonContainer container, int index)
    {
        var items = container.Items;
        int from, to;
        if (index > 0)
        {
            from = items[index - 1].End;
            to = items[index].End;
        }
        else if (items.Count > 1)
        {
            from = items[0].Start;
            to = items[1].Start;
        }
        else
        {
            from = container.Open + 1;
            to = container.Close;
        }

        return [.. text.AsSpan(0, from), .. text.AsSpan(to)];
    }

    private static JsonContainer ReadRoot(byte[] text, int start)
    {
        var first = text.AsSpan(start).IndexOfAnyExcept(" \t\r\n"u8);
        if (first < 0 || text[start + first] != (byte)'{') throw new SettingsShapeException("the top level is not a JSON object");
        return JsonContainer.Read(text, start);
    }

    /// <summary>Pretty or compact, the indent unit and the line ending, from how the top level is written.</summary>
    private static JsonStyle DetectStyle(byte[] text, JsonContainer root)
    {
        var newLine = text.AsSpan().IndexOf("\r\n"u8) >= 0 ? "\r\n" : "\n";
        if (root.Items.Count == 0) return JsonStyle.Default with { NewLine = newLine };
        var before = text.AsSpan(root.Open + 1, root.Items[0].Start - root.Open - 1);
        var lastNewLine = before.LastIndexOf((byte)'\n');
        if (lastNewLine < 0) return new JsonStyle(false, "", newLine);
        var indent = Encoding.UTF8.GetString(before[(lastNewLine + 1)..]);
        var rootIndent = LineIndent(text, root.Open);
        var unit = indent.StartsWith(rootIndent, StringComparison.Ordinal) && indent.Length > rootIndent.Length ? indent[rootIndent.Length..] : "  ";
        return new JsonStyle(true, unit, newLine);
    }

    /// <summary>The indent of the items of <paramref name="container"/>: as its first item's, or its line's plus one unit.</summary>
    private static string ItemIndent(byte[] text, JsonContainer container, JsonStyle style)
    {
        if (!style.Pretty) return "";
        if (container.Items.Count > 0)
        {
            var before = text.AsSpan(container.Open + 1, container.Items[0].Start - container.Open - 1);
            var lastNewLine = before.LastIndexOf((byte)'\n');
            if (lastNewLine >= 0) return Encoding.UTF8.GetString(before[(lastNewLine + 1)..]);
        }

        return LineIndent(text, container.Open) + style.Unit;
    }

    /// <summary>The spaces and tabs that begin the line holding <paramref name="offset"/>.</summary>
    private static string LineIndent(byte[] text, int offset)
    {
        var lineStart = text.AsSpan(0, offset).LastIndexOf((byte)'\n') + 1;
        var length = text.AsSpan(lineStart, offset - lineStart).IndexOfAnyExcept(" \t"u8);
        return Encoding.UTF8.GetString(text, lineStart, length < 0 ? offset - lineStart : length);
    }

    /// <summary>The text that appends <paramref name="items"/> (each written for the container's item indent) to a container.</summary>
    private static (int Offset, string Text) InsertItems(byte[] text, JsonContainer container, IReadOnlyList<string> items, JsonStyle style)
    {
        var indent = ItemIndent(text, container, style);
        var separator = style.Pretty ? "," + style.NewLine + indent : ",";
        var joined = string.Join(separator, items);
        if (container.Items.Count > 0) return (container.Items[^1].End, separator + joined);
        return style.Pretty
            ? (container.Open + 1, style.NewLine + indent + joined + style.NewLine + LineIndent(text, container.Open))
            : (container.Open + 1, joined);
    }

    private static (byte[] Text, List<InsertedSpan> Inserted) Apply(byte[] text, List<(int Offset, string Text)> edits)
    {
        edits.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        var result = new List<byte>(text.Length + 4096);
        var spans = new List<InsertedSpan>();
        var at = 0;
        foreach (var (offset, insert) in edits)
        {
            result.AddRange(text.AsSpan(at, offset - at));
            var bytes = Encoding.UTF8.GetBytes(insert);
            spans.Add(new InsertedSpan(result.Count, bytes.Length));
            result.AddRange(bytes);
            at = offset;
        }

        result.AddRange(text.AsSpan(at));
        return ([.. result], spans);
    }

    private static string Member(string name, string value, JsonStyle style) =>
        Quote(name) + (style.Pretty ? ": " : ":") + value;

    /// <summary>The <c>hooks</c> object with one event per guard hook; <paramref name="indent"/> is the line's indent.</summary>
    private static string HooksObject(string command, JsonStyle style, string indent)
    {
        var inner = indent + style.Unit;
        var members = GuardHooks.All.Select(h => Member(h.Event, OneGroupArray(h, command, style, inner), style));
        return style.Pretty
            ? "{" + style.NewLine + inner + string.Join("," + style.NewLine + inner, members) + style.NewLine + indent + "}"
            : "{" + string.Join(",", members) + "}";
    }

    private static string OneGroupArray(GuardHook hook, string command, JsonStyle style, string indent)
    {
        var inner = indent + style.Unit;
        return style.Pretty
            ? "[" + style.NewLine + inner + Group(hook, command, style, inner) + style.NewLine + indent + "]"
            : "[" + Group(hook, command, style, inner) + "]";
    }

    /// <summary>One matcher group (no matcher: every tool, every subagent) holding the guard's handler.</summary>
    private static string Group(GuardHook hook, string command, JsonStyle style, string indent)
    {
        string[] fields =
        [
            Member("type", Quote("command"), style),
            Member("command", Quote(command), style),
            Member("timeout", hook.TimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), style),
            Member("statusMessage", Quote(hook.StatusMessage), style),
        ];
        if (!style.Pretty) return "{\"hooks\":[{" + string.Join(",", fields) + "}]}";
        var nl = style.NewLine;
        var (i1, i2, i3) = (indent + style.Unit, indent + style.Unit + style.Unit, indent + style.Unit + style.Unit + style.Unit);
        return "{" + nl + i1 + "\"hooks\": [" + nl + i2 + "{" + nl + i3 + string.Join("," + nl + i3, fields) + nl + i2 + "}" + nl + i1 + "]" + nl + indent + "}";
    }

    private static string Quote(string value) => "\"" + JsonEncodedText.Encode(value, Encoder).ToString() + "\"";
}

/// <summary>A settings file whose JSON is not shaped as Claude Code's settings are; the message names the field.</summary>
internal sealed class SettingsShapeException(string message) : Exception(message);
