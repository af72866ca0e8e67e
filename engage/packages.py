"""Checks on zipped Office files (.docx, .xlsx) before any library opens them. Pure."""
import zipfile


class NotThePackage(ValueError):
    """Not a zip, a damaged zip, or a zip without the expected parts."""


class TooLargeToRead(ValueError):
    """Would unzip to more than allowed, or looks like a zip bomb."""


def check_package(source, required_member, max_uncompressed, bomb_min_size, bomb_ratio):
    """Refuse source (a path or a file object) unless it is a zip holding required_member.

    zipfile never inflates a member beyond its declared size, so the declared sizes are a real
    bound on the memory and time that opening the package can take.
    """
    if not zipfile.is_zipfile(source):
        raise NotThePackage()
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
        raise NotThePackage() from error
    names = {member.filename for member in members}
    if required_member not in names or "[Content_Types].xml" not in names:
        raise NotThePackage()
    if sum(member.file_size for member in members) > max_uncompressed:
        raise TooLargeToRead()
    for member in members:
        if member.file_size > bomb_min_size and member.file_size / max(member.compress_size, 1) > bomb_ratio:
            raise TooLargeToRead()
