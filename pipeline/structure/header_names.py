"""Author-name lines of Chinese paper headers.

Headers print authors in several ways: ``陈 灏 钟锦宸`` (a two-character name padded with a
space to the width of three-character ones), ``田刚元1，陈富良2`` (CNKI PDF text, numbers pointing
at affiliations), ``牛凯功 黄再胜`` (web pages) and, on web pages, all names run together after
a date (``2021-03-26牛凯功黄再胜``). This module turns such lines into name lists.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

HAN = r"\u3400-\u9fff\uf900-\ufaff"
_HAN_RE = re.compile(f"^[{HAN}]+$")
# Transliterated foreign names keep their middle dot: 丹·席勒.
_DOTS = "·•・‧"
_NAME_TOKEN = re.compile(f"^[{HAN}][{HAN}{_DOTS}]*$")

# Commas and enumeration marks separate names; spaces may only pad a two-character name.
_LIST_SEP = re.compile(r"[,，、;；]")
_SUPERSCRIPTS = str.maketrans("¹²³⁴⁵⁶⁷⁸⁹⁰", "1234567890")
_NUM_TAIL = re.compile(r"[\d\s,，*＊∗†‡]+$")
_NAME_WITH_NUMS = re.compile(
    rf"([{HAN}{_DOTS}]+(?:[ \u3000][{HAN}])?)\s*((?:[\d*＊∗†‡]+\s*[,，]?\s*)*)"
)
_LABEL = re.compile(r"^\s*(?:作\s*者|著\s*者)\s*[:：]\s*")

# Single-character surnames common enough to anchor a split of names run together. Two-character
# surnames come first so that 欧阳 is tried before 欧.
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙",
                     "宇文", "司徒", "夏侯", "端木", "歐陽", "司馬", "諸葛", "東方", "長孫", "夏侯")
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕"
    "单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚"
    "娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池"
    "查麻苑迟邝郁"
    # traditional forms of the surnames above that differ
    "張劉陳楊黃趙吳孫馬鄭羅梁謝許韓馮鄧蕭葉蘇魏呂沈盧薑崔鍾譚陸範賈韋鄒熊閆龍陶賀顧龔萬錢嚴戴湯溫樊葛齊喬"
    "龐顏莊聶魯嶽翟詹歐關蘭寧單裴塗駱藍遊靳鮑喻饒時繆簡車項蘆麥婁竇戚岑黨費衛欒隋鄺鬱鄔閔"
)


@dataclass
class AuthorLine:
    """What an author line says: names in order and the affiliation numbers each one carries."""

    names: list[str] = field(default_factory=list)
    numbers: dict[str, list[str]] = field(default_factory=dict)
    inline_affiliations: dict[str, str] = field(default_factory=dict)
    paired: bool = False  # single characters were joined: a bio line may settle ambiguity


def _pair_singles(tokens: list[str]) -> tuple[list[str], bool]:
    """Join runs of one-character tokens two by two (``陈 灏`` → ``陈灏``).

    An odd run leaves a character over. Followed by a longer token it is a surname printed
    apart (``王 五 欧 阳修`` → 王五, 欧阳修); at the end of the line it completes the name
    before it, since a padded three-character name is likelier than a one-character one.
    """
    out: list[str] = []
    paired = False
    tokens = list(tokens)
    i = 0
    while i < len(tokens):
        if len(tokens[i]) != 1:
            out.append(tokens[i])
            i += 1
            continue
        j = i
        while j < len(tokens) and len(tokens[j]) == 1:
            j += 1
        run = tokens[i:j]
        paired = True
        even = run[: len(run) - len(run) % 2]
        out.extend(even[k] + even[k + 1] for k in range(0, len(even), 2))
        if len(run) % 2:
            if j < len(tokens):
                tokens[j] = run[-1] + tokens[j]
            elif out:
                out[-1] += run[-1]
            else:
                out.append(run[-1])
        i = j
    return out, paired


def _plausible_name(name: str) -> bool:
    if any(d in name for d in _DOTS):
        return 3 <= len(name) <= 16 and bool(_NAME_TOKEN.match(name))
    return 2 <= len(name) <= 4 and bool(_HAN_RE.match(name))


def parse_author_line(line: str) -> AuthorLine | None:
    """Names of an author line, or None when the line does not look like one.

    >>> parse_author_line("陈灏　钟锦宸").names
    ['陈灏', '钟锦宸']
    >>> parse_author_line("摘要：本文讨论数字资本。") is None
    True
    """
    text = _LABEL.sub("", line).translate(_SUPERSCRIPTS).strip()
    if not text or re.search(r"[：:。“”《》?？!！]", text):
        return None
    result = AuthorLine()
    # Inline affiliations: 田刚元（南昌大学 经济管理学院）; take them out before splitting.
    inline: list[tuple[int, str]] = []

    def keep_aff(m: re.Match[str]) -> str:
        inline.append((m.start(), m.group(1).strip()))
        return f"\x00{len(inline) - 1}\x00"

    text = re.sub(r"[(（]([^()（）]{4,})[)）]", keep_aff, text)
    groups = [g for g in _LIST_SEP.split(text) if g.strip()]
    names: list[str] = []
    for group in _merge_number_groups(groups):
        aff_ids = [int(x) for x in re.findall(r"\x00(\d+)\x00", group)]
        group = re.sub(r"\x00\d+\x00", " ", group)
        nums = re.findall(r"\d+", group)
        core = re.sub(r"[\d*＊∗†‡,，]", " ", group)
        tokens = core.split()
        if not tokens:
            continue
        if not all(_NAME_TOKEN.match(t) for t in tokens):
            return None
        group_names, paired = _pair_singles(tokens)
        result.paired = result.paired or paired
        if nums and len(group_names) == 1:
            result.numbers[group_names[0]] = nums
        elif nums:  # numbers belong to the name just before them: re-read with positions
            for m in _NAME_WITH_NUMS.finditer(group):
                nm = re.sub(r"\s", "", m.group(1))
                if nm in group_names and m.group(2):
                    result.numbers[nm] = re.findall(r"\d+", m.group(2))
        for a in aff_ids:
            if group_names:
                result.inline_affiliations[group_names[-1]] = inline[a][1]
        names.extend(group_names)
    if not names or len(names) > 20 or not all(_plausible_name(n) for n in names):
        return None
    result.names = names
    return result


def _merge_number_groups(groups: list[str]) -> list[str]:
    """``田刚元1,2，陈富良2`` splits into ``田刚元1`` ``2`` ``陈富良2``: glue bare numbers back."""
    out: list[str] = []
    for g in groups:
        if out and re.fullmatch(r"[\s\d*＊∗†‡]+", g):
            out[-1] += "," + g
        else:
            out.append(g)
    return out


def split_run_together(run: str, hint: list[str] | None = None) -> list[str]:
    """Split names printed without separators (``牛凯功黄再胜``).

    ``hint`` (names known from elsewhere in the document, such as the bio line) wins when it
    spells the same characters. Otherwise names are cut where a common surname starts, preferring
    three-character names, which are the commonest in these journals.
    """
    run = re.sub(r"\s", "", run)
    if not run:
        return []
    if hint and "".join(hint) == run:
        return list(hint)
    if len(run) <= 3:
        return [run]
    best: dict[int, tuple[int, list[str]]] = {0: (0, [])}
    for i in range(len(run)):
        if i not in best:
            continue
        score, names = best[i]
        for size in (3, 2, 4):
            j = i + size
            if j > len(run):
                continue
            piece = run[i:j]
            starts = piece[:2] in COMPOUND_SURNAMES or piece[0] in SURNAMES
            if not starts:
                continue
            # Three characters is the usual length; four only with a compound surname.
            s = score + {3: 3, 2: 2, 4: 2 if piece[:2] in COMPOUND_SURNAMES else -5}[size]
            if j not in best or best[j][0] < s:
                best[j] = (s, names + [piece])
    if len(run) in best:
        return best[len(run)][1]
    return [run]
