"""English dates in the British style with a 24-hour clock, as Babel's en_GB writes them (aidx.core.formatting).

Django's own "en" formats are American ("12/06/2026", "8:03 p.m.", "Dec. 20, 2026"); these apply wherever Django
formats a date by itself: a value shown without a filter, the admin, a form's initial value. Bokmål and Nynorsk keep
Django's formats, which are already Norwegian (6.12.2026, 20:03).
"""

DATE_FORMAT = "j M Y"  # 6 Dec 2026
TIME_FORMAT = "H:i"  # 20:03
DATETIME_FORMAT = "j M Y, H:i"  # 6 Dec 2026, 20:03
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j F"  # 6 December
SHORT_DATE_FORMAT = "Y-m-d"  # 2026-12-06 (ISO 8601)
SHORT_DATETIME_FORMAT = "Y-m-d H:i"  # 2026-12-06 20:03
FIRST_DAY_OF_WEEK = 1  # Monday
# ISO first: it is what <input type="date"> sends and what every language can read.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d %b %Y", "%d %B %Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
