using QRCoder;

namespace TauTauRun.Web.Email;

/// <summary>
/// The registration's reference as a QR code, drawn on the server as SVG (no script, no image request),
/// for the check-in table to scan from the status page or the payment-confirmation email. It holds the
/// reference only, never the secret status link: whoever sees the code learns nothing more than the
/// reference printed beside it.
/// </summary>
public static class ReferenceQrCode
{
    public static string Svg(string reference)
    {
        using var data = QRCodeGenerator.GenerateQrCode(reference, QRCodeGenerator.ECCLevel.M);
        // A viewBox and no fixed size, so the page's or the mail's width decides how big it is drawn.
        return new SvgQRCode(data).GetGraphic(new System.Drawing.Size(200, 200), "#000000", "#ffffff", drawQuietZones: true,
            sizingMode: SvgQRCode.SizingMode.ViewBoxAttribute);
    }
}
