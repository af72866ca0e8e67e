"""E-mail, used only when an SMTP server is configured."""
import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import gettext as _


def mail_configured():
    """True when SMTP_HOST and MAIL_FROM are set."""
    return bool(current_app.config.get("SMTP_HOST") and current_app.config.get("MAIL_FROM"))


def send_private_link(address, consultation, response, link):
    """Send a respondent their private link; False if the mail server refused."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = address
    # One line: a title with a line break in it would otherwise fail as a header (no header injection).
    message["Subject"] = _("Your response to %(title)s", title=" ".join(consultation.title.split()))
    message.set_content(_(
        "Your reference is %(reference)s.\n\nUse this private link to finish, change or withdraw your "
        "response until the consultation closes:\n\n%(link)s\n\nDo not share this link: anyone with it "
        "can see and change your response.", reference=response.reference, link=link))
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USERNAME"):
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("Could not send the private link")
        return False
    return True
