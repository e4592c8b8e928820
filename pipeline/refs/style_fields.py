"""The field patterns every reference style reads (years, issues, volumes, pages, places and
publishers, translators and editors) and their normalizers, shared by ``styles.py`` and
``styles_gbt.py``."""
from __future__ import annotations

import re

DASH = r"[-–—~～―－]"
YEAR = r"(1[5-9]\d\d|20\d\d)"
_ISSUE_CN = re.compile(YEAR + r"\s*年\s*(?:第\s*(\d+)\s*卷\s*)?(?:第\s*)?([0-9A-Za-z]+(?:\s*[-/]\s*\d+)?)\s*期")
_VOL_ISSUE_CN = re.compile(r"第\s*(\d+)\s*卷\s*第\s*(\d+)\s*期")
_DATE_CN = re.compile(YEAR + r"\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
_YEAR_ISSUE_PAREN = re.compile(YEAR + r"\s*(?:,\s*(\w+)\s*)?\((\w+(?:-\w+)?)\)")
_YEAR_CN = re.compile(YEAR + r"\s*年")
_YEAR_BARE = re.compile(r"(?<![\d/.\-])" + YEAR + r"(?![\d/])")
_VOLUME = re.compile(r"第\s*([0-9一二三四五六七八九十百]+)\s*(?:卷|册|辑)|(?:Vol|Volume)\.?\s*(\w+)", re.IGNORECASE)
_ISSUE_EN = re.compile(r"(?:No|Issue|Nr)\.?\s*(\w+)", re.IGNORECASE)
_PAGES = re.compile(r"^(?:第\s*)?([0-9ivxlcdmIVXLCDM]+(?:\s*" + DASH + r"+\s*[0-9ivxlcdmIVXLCDM]+)?(?:\s*,\s*\d+)*)\s*(?:页|版)$")
_PAGES_EN = re.compile(r"^pp?\.\s*(\d+(?:\s*" + DASH + r"+\s*\d+)?)$")
_PLACE_PUB = re.compile(r"^([^\d:<>/]{1,20}?)\s*:\s*([^:]+?)$")
_TRANSLATOR = re.compile(r"^(.{1,60}?)\s*(?:等)?\s*(?:合译|编译|译校|翻译|译)$")
_EDITOR = re.compile(r"^(.{1,60}?)\s*(?:等)?\s*(?:主编|编著|选编|编)$|^(?:ed|eds)\.?\s", re.IGNORECASE)
_IN_COLLECTION = re.compile(r"^(?:载|载于|收入|收录于|见|in)\s*[:]?\s*(?:[^《“*]{1,40}?(?:主编|编著|编|eds?\.?)\s*[:,]?\s*)?(?=[《“*A-Z])", re.IGNORECASE)
_PART = re.compile(r"^\s*\(\s*(上|中|下|第?[0-9一二三四五六七八九十]+(?:卷|册|辑)?)\s*\)")
_THESIS = re.compile(r"(博士|硕士|学士)?学位论文|dissertation|thesis", re.IGNORECASE)
_URL_CORE = re.compile(r"<?((?:https?://|www\.)[^\s<>]+?)>?$")


def _norm_pages(p: str) -> str:
    p = re.sub(r"\s+", "", p)
    return re.sub(DASH + "+", "-", p)


def _int_str(x: str | None) -> str | None:
    """Issue and volume numbers without leading zeros (CNKI writes 06)."""
    if x is None:
        return None
    x = x.strip()
    return str(int(x)) if x.isdigit() else x


def _year(y: str | None) -> int | None:
    return int(y) if y else None
