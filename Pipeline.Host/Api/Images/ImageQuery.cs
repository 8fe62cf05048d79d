using System.Globalization;
using Pipeline.Host.Api.Problems;
using Pipeline.Streams.Photos;

namespace Pipeline.Host.Api.Images;

/// <summary><c>?w=</c> (one of <see cref="PhotoLimits.VariantWidths"/>) and <c>?format=</c> (<c>webp</c>, <c>jpeg</c>, <c>png</c>), both optional.</summary>
internal readonly record struct ImageQuery(int? Width, ImageFormat? Format)
{
    public static bool TryParse(IQueryCollection query, out ImageQuery parsed, out IResult? problem)
    {
        var errors = new Dictionary<string, string[]>();
        int? width = null;
        if (query.TryGetValue("w", out var w))
        {
            if (w.Count == 1 && int.TryParse(w[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && PhotoLimits.VariantWidths.Contains(value))
            {
                width = value;
            }
            else
            {
                errors["w"] = [$"must be one of {string.Join(", ", PhotoLimits.VariantWidths)}."];
            }
        }
        ImageFormat? format = null;
        if (query.TryGetValue("format", out var f))
        {
            if (f.Count == 1 && ImageFormats.TryParseExtension(f[0], out var value))
            {
                format = value;
            }
            else
            {
                errors["format"] = ["must be webp, jpeg or png."];
            }
        }
        parsed = new ImageQuery(width, format);
        problem = errors.Count > 0 ? ApiProblem.Validation(errors) : null;
        return problem is null;
    }
}
