"""QR codes as SVG, with no imaging library: qrcode's path factory writes the SVG itself."""

import qrcode
import qrcode.image.svg


def qr_svg(url: str) -> str:
    """The QR code of `url`; medium error correction survives a glare on the projector."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    code.add_data(url)
    code.make(fit=True)
    return code.make_image().to_string(encoding="unicode")
