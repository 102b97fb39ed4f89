using System.Buffers.Text;
using System.Text;
using CsCheck;

namespace TauTauRun.Web.Tests.Faults;

/// <summary>The form a generated submission goes to.</summary>
public enum FuzzForm { Register, StatusLink, StatusUpdate, StatusCancel, StatusAccept, AdminLogin }

/// <summary>What goes in the antiforgery field: the session's own token, or something a forger could send.</summary>
public enum ForgeryToken { Valid, Missing, Random, Foreign, Doubled }

/// <summary>How the fields travel.</summary>
public enum BodyShape
{
    UrlEncoded,
    /// <summary>Form encoding with the values' bytes unescaped: stray <c>&amp;</c>, <c>=</c>, <c>%</c> and invalid UTF-8 as they are.</summary>
    RawBytes,
    Multipart,
    BrokenMultipart,
    WrongContentType,
    NoContentType,
    /// <summary>A Content-Length over the form's limit.</summary>
    DeclaredOversize,
    /// <summary>Over the form's limit too, but chunked, so nothing says so before the body is read.</summary>
    ChunkedOversize,
}

/// <summary>Which runner's page a status form posts to.</summary>
public enum RouteToken { Known, Random, Malformed }

/// <summary>
/// One generated submission, fully determined by the seed. What exists only at run time (the session's
/// antiforgery token, a registration's status link) is named here and filled in by <see cref="FormFuzzer"/>.
/// </summary>
public sealed record Submission(int Number, FuzzForm Form, ForgeryToken Forgery, BodyShape Shape, RouteToken Route,
    IReadOnlyList<(byte[] Name, byte[] Value)> Fields, string Query)
{
    /// <summary>The input, shortened for a failure message: fields as text, each cut to 60 characters.</summary>
    public string Describe()
    {
        var fields = string.Join("&", Fields.Select(f => $"{Short(f.Name)}={Short(f.Value)}"));
        var text = $"#{Number} {Form} {Shape} forgery={Forgery} route={Route}{Query} {fields}";
        return text.Length > 600 ? text[..600] + "…" : text;
    }

    private static string Short(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 60)).ReplaceLineEndings("⏎");
        return bytes.Length > 60 ? $"{text}…({bytes.Length} bytes)" : text;
    }
}

/// <summary>
/// Generates submissions to the public forms and the admin login with CsCheck's generators: most of them
/// forms a person could fill in (with Unicode from every script, and a marker <c>&lt;i data-fuzz="N"&gt;</c>
/// in every free-text field so an unescaped rendering shows up as an element), the rest with hostile
/// values, missing, doubled and unknown fields, wrong content types, broken multipart and forged tokens.
/// </summary>
public sealed class FuzzSubmissions(long openRace, long tinyRace, string adminUsername, string adminPassword)
{
    /// <summary>The marker that must only ever appear as text: an element with this attribute is an injection.</summary>
    public const string MarkerAttribute = "data-fuzz";

    private static readonly Gen<string> Names = Gen.OneOf(
        "Anna de Vries", "José Núñez", "王小明", "Zoë O'Brien-Smith", "Ольга Петрова", "محمد علي", "Ngô Bảo Châu",
        "Siobhán Ní Bhriain", "Åsa Öberg", "Ђорђе Јовановић", "李 娜", "Anna 🏃‍♀️ Run", "e\u0301le\u0300ve", "x");

    private static readonly Gen<string> Hostile = Gen.OneOf(
        "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "'; DROP TABLE participants; --", "%00", "%",
        "%zz", "&Form.FullName=x", "=", "+", "{{7*7}}", "${jndi:ldap://x}", "../../etc/passwd", "\\", "null", "true",
        "-1", "99999999999999999999", "1e309", "NaN", "0x10", "2024-02-30", "0001-01-01", "9999-12-31", "\u202Egnp.exe",
        "\uFEFF", "\u200B", "a\u0000b", "\r\nBcc: victim@example.org", "TTR-AAAAAA", "admin", " ");

    /// <summary>Characters that validation has to think about: C0 and C1 controls, separators, bidi, BOM, non-characters.</summary>
    private static readonly Gen<string> Awkward = Gen.String[
        Gen.Char["\0\u0001\u0007\b\t\n\v\f\r\u001b\u007f\u0085\u009f\u00a0\u200b\u200e\u202e\u2028\u2029\ufeff\ufffe\uffff\ufffd"], 1, 12];

    private static readonly Gen<string> AnyCodePoints = Gen.Int[0, 0x10FFFF]
        .Where(c => c is < 0xD800 or > 0xDFFF)
        .Select(char.ConvertFromUtf32).Array[1, 40].Select(string.Concat);

    /// <summary>Byte sequences no UTF-8 decoder accepts: overlongs, encoded surrogates, cut-off sequences, 0xFF.</summary>
    private static readonly Gen<byte[]> InvalidUtf8 = Gen.OneOf(
        Gen.Const(new byte[] { 0xC0, 0xAF }), Gen.Const(new byte[] { 0xED, 0xA0, 0x80 }), Gen.Const(new byte[] { 0xE2, 0x82 }),
        Gen.Const(new byte[] { 0xFF, 0xFE }), Gen.Const(new byte[] { 0xF5, 0x80, 0x80, 0x80 }), Gen.Byte.Array[1, 30]);

    /// <summary>The values a hostile or careless sender puts in a field.</summary>
    private static readonly Gen<byte[]> BadValue = Gen.Frequency(
        (6, Hostile.Select(Utf8)),
        (5, Gen.Select(Names, Awkward, Gen.Bool, (name, awkward, first) => Utf8(first ? awkward + name : name + awkward))),
        (4, AnyCodePoints.Select(Utf8)),
        (4, Gen.Select(Names, InvalidUtf8, (name, bytes) => Utf8(name).Concat(bytes).ToArray())),
        (3, Gen.Select(Gen.Int[101, 3000], Names, (length, name) => Utf8(Repeat(name, length)))),
        (1, Gen.Select(Gen.Int[60_000, 200_000], length => Utf8(new string('x', length)))),
        (2, Gen.OneOf("", "   ", "\t \u3000").Select(Utf8)));

    /// <summary>Generates <paramref name="count"/> submissions from <paramref name="seed"/>, the same ones for the same seed.</summary>
    public IReadOnlyList<Submission> Generate(PCG seed, int count)
    {
        var pcg = new PCG(seed.Stream, seed.Seed);
        return Enumerable.Range(1, count).Select(number => Next(pcg, number)).ToList();
    }

    private Submission Next(PCG pcg, int number)
    {
        T Pick<T>(Gen<T> gen) => gen.Generate(pcg, null, out _);
        var form = Pick(Gen.Frequency((53, FuzzForm.Register), (10, FuzzForm.StatusLink), (16, FuzzForm.StatusUpdate),
            (7, FuzzForm.StatusCancel), (5, FuzzForm.StatusAccept), (4, FuzzForm.AdminLogin)));
        var marker = $"<i {MarkerAttribute}=\"{number}\">";
        List<(string Name, string Value)> fields = form switch
        {
            FuzzForm.Register => RegisterForm(pcg, number, marker),
            FuzzForm.StatusLink => [("Email", Pick(Gen.Frequency((2, Gen.Const($"fuzz-{number}@runners.test")), (1, Names), (1, Hostile))))],
            FuzzForm.StatusUpdate => ContactForm(pcg, number, marker),
            FuzzForm.StatusCancel => [("confirm", Pick(Gen.Frequency((3, "true"), (1, "false"), (1, "on"))))],
            FuzzForm.StatusAccept => [],
            _ => LoginForm(pcg),
        };
        var bytes = fields.Select(f => (Utf8(f.Name), Utf8(f.Value))).ToList();
        // Most are what a browser sends; the others change one to four things.
        var clean = Pick(Gen.Int[0, 99]) < 60;
        if (!clean)
            for (var changes = Pick(Gen.Int[1, 4]); changes > 0; changes--)
                Mutate(pcg, bytes);
        var forgery = clean ? ForgeryToken.Valid : Pick(Gen.Frequency(
            (88, ForgeryToken.Valid), (3, ForgeryToken.Missing), (3, ForgeryToken.Random), (3, ForgeryToken.Foreign), (3, ForgeryToken.Doubled)));
        var shape = clean ? BodyShape.UrlEncoded : Pick(Gen.Frequency(
            (70, BodyShape.UrlEncoded), (8, BodyShape.RawBytes), (8, BodyShape.Multipart), (4, BodyShape.BrokenMultipart),
            (4, BodyShape.WrongContentType), (2, BodyShape.NoContentType), (2, BodyShape.DeclaredOversize), (2, BodyShape.ChunkedOversize)));
        var route = Pick(Gen.Frequency((85, RouteToken.Known), (10, RouteToken.Random), (5, RouteToken.Malformed)));
        var query = form == FuzzForm.AdminLogin && Pick(Gen.Bool)
            ? "?ReturnUrl=" + Uri.EscapeDataString(Pick(Gen.OneOf("/admin/participants", "//evil.example/admin", "https://evil.example",
                "/admin/../\\evil.example", "/\\/evil.example", "javascript:alert(1)", $"/admin?x={marker}")))
            : "";
        return new Submission(number, form, forgery, shape, route, bytes, query);
    }

    private List<(string Name, string Value)> RegisterForm(PCG pcg, int number, string marker)
    {
        string Pick(Gen<string> gen) => gen.Generate(pcg, null, out _);
        var tiny = Gen.Int[0, 9].Generate(pcg, null, out _) == 0;
        return
        [
            ("Form.Token", Base64Url.EncodeToString(Gen.Byte.Array[32].Generate(pcg, null, out _))),
            ("Form.CategoryId", (tiny ? tinyRace : openRace).ToString()),
            ("Form.FullName", $"{Pick(Names)} {marker}"),
            ("Form.Email", Pick(Gen.OneOf($"fuzz-{number}@runners.test", $"<i/{MarkerAttribute}={number}>@runners.test",
                $"Ünïcode.{number}@bücher.example", $"fuzz+{number}@runners.test"))),
            ("Form.Phone", Pick(Gen.OneOf("+31 6 1234 5678", "0031 (6) 12-34-56-78", "06.12.34.56.78", "+1 555 0100 999"))),
            ("Form.DateOfBirth", Pick(Gen.DateOnly[new DateOnly(1930, 1, 1), new DateOnly(2005, 12, 31)].Select(d => d.ToString("yyyy-MM-dd")))),
            ("Form.Gender", Pick(Gen.OneOf("F", "M", "X"))),
            ("Form.TshirtSize", Pick(Gen.OneOf("XS", "S", "M", "L", "XL", "XXL"))),
            ("Form.EmergencyContactName", $"{Pick(Names)} {marker}"),
            ("Form.EmergencyContactPhone", "06-87654321"),
            ("Form.Club", Pick(Gen.OneOf("", $"AV {marker}", "Läufer 🏃 Verein"))),
            ("Form.MedicalNotes", Pick(Gen.OneOf("", $"Asthma\r\ninhaler {marker}", "Ninguna.\n\nNone."))),
            // Mostly empty, as runners leave it: a bad code stops the registration, and the rendering checks need many.
            ("Form.CouponCode", Pick(Gen.OneOf([.. Enumerable.Repeat("", 16), " no-such-code ", $"<i/{MarkerAttribute}={number}>", "ÄÖ-ü 🏃", new string('X', 40)]))),
            ("Form.AcceptWaiver", "true"),
            ("Form.Website", ""),
            ("Form.JoinWaitlist", tiny ? "true" : "false"),
        ];
    }

    private static List<(string Name, string Value)> ContactForm(PCG pcg, int number, string marker)
    {
        string Pick(Gen<string> gen) => gen.Generate(pcg, null, out _);
        return
        [
            ("Contact.Email", Pick(Gen.OneOf($"changed-{number}@runners.test", $"<i/{MarkerAttribute}={number}>@runners.test"))),
            ("Contact.Phone", "+31 6 8765 4321"),
            ("Contact.TshirtSize", Pick(Gen.OneOf("XS", "S", "M", "L", "XL", "XXL"))),
            ("Contact.EmergencyContactName", $"{Pick(Names)} {marker}"),
            ("Contact.EmergencyContactPhone", "+32 470 12 34 56"),
        ];
    }

    private List<(string Name, string Value)> LoginForm(PCG pcg)
    {
        string Pick(Gen<string> gen) => gen.Generate(pcg, null, out _);
        return
        [
            // Few with the admin's name: its row is locked while each password is checked, and a check takes a while.
            ("Form.Username", Pick(Gen.Frequency((1, Gen.Const(adminUsername)), (1, Gen.Const(adminUsername.ToUpperInvariant() + " ")), (6, Names)))),
            ("Form.Password", Pick(Gen.Frequency((1, Gen.Const(adminPassword)), (4, Names), (1, Hostile)))),
            ("ReturnUrl", ""),
        ];
    }

    private static readonly Gen<string> FieldNames = Gen.Frequency(
        (3, Gen.OneOf("Form", "Form.FullName[0]", "Form[Email]", "Form.Email.Length", "handler", "Contact", "__RequestVerificationToken",
            "Form.Token", "Form.JoinWaitlist", "Form.Website", "Form.CategoryId")),
        (1, AnyCodePoints));

    /// <summary>One change a forger, a broken client or a fuzzer makes to the fields.</summary>
    private static void Mutate(PCG pcg, List<(byte[] Name, byte[] Value)> fields)
    {
        T Pick<T>(Gen<T> gen) => gen.Generate(pcg, null, out _);
        var index = fields.Count == 0 ? -1 : Pick(Gen.Int[0, fields.Count - 1]);
        switch (Pick(Gen.Frequency((12, Change.Value), (4, Change.Remove), (4, Change.Double), (4, Change.Add), (1, Change.Flood))))
        {
            case Change.Value when index >= 0:
                fields[index] = (fields[index].Name, Pick(BadValue));
                break;
            case Change.Remove when index >= 0:
                fields.RemoveAt(index);
                break;
            case Change.Double when index >= 0:
                fields.Insert(Pick(Gen.Int[0, fields.Count]), (fields[index].Name, Pick(BadValue)));
                break;
            case Change.Flood:
                // More fields than the form reader takes (its limit is 1024).
                fields.AddRange(Enumerable.Range(0, Pick(Gen.Int[900, 1500])).Select(i => (Utf8($"x{i}"), Utf8("1"))));
                break;
            default:
                fields.Add((Utf8(Pick(FieldNames)), Pick(BadValue)));
                break;
        }
    }

    private enum Change { Value, Remove, Double, Add, Flood }

    public static byte[] Utf8(string value) => Encoding.UTF8.GetBytes(value);

    private static string Repeat(string text, int length) =>
        string.Concat(Enumerable.Repeat(text + " ", length / (text.Length + 1) + 1))[..length];
}
