"""Password rules (等保 2.0: length, mixed character classes, not common, not like the user's own names).

Django's length rule is replaced because its Chinese catalogue lacks the current wording of that message, and the
similarity rule because our users' names are in `display_name`, which Django's default attribute list misses.
"""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def __init__(self, min_length: int = 10):
        super().__init__(min_length)

    def get_error_message(self):
        return _("密码太短，至少需要%(min_length)d个字符。") % {"min_length": self.min_length}

    def get_help_text(self):
        return _("密码至少需要%(min_length)d个字符。") % {"min_length": self.min_length}


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    DEFAULT_USER_ATTRIBUTES = ("username", "display_name", "first_name", "last_name", "email")


class CharacterClassValidator:
    """等保 2.0 expects passwords mixing character classes: at least three of upper, lower, digit, symbol."""

    def validate(self, password, user=None):
        classes = sum([
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ])
        if classes < 3:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号中的至少三类。"), code="password_too_simple"
            )

    def get_help_text(self):
        return _("密码须包含大写字母、小写字母、数字、符号中的至少三类。")
