#!/usr/bin/env python3
"""Draw the demo data's photos: illustrated rooms, gardens and pets as SVG, one file per
photo, written to the folder given. scripts/seed-demo.sh turns them into JPEGs with libvips
and uploads them through the API like any user would (the platform takes JPEG/PNG/WebP).
Drawn, not downloaded: the demo needs no network and carries no one's real photos.

    python3 scripts/demo/photos.py OUT_DIR      writes OUT_DIR/<name>.svg, prints the names
"""
import os
import sys

W, H = 1200, 800

PALETTES = {
    # wall, floor, accent, sky
    "sunny": ("#fbe3c4", "#d9a066", "#e07b24", "#bfe3ff"),
    "calm": ("#e4eef2", "#b9a48a", "#5b8fa8", "#cde9f7"),
    "villa": ("#eef2e1", "#9c7b58", "#6a994e", "#d7f0ff"),
    "hotel": ("#f3e6f0", "#c9b3a0", "#b56576", "#e4ddff"),
    "panda": ("#f1f1ea", "#a3b18a", "#344e41", "#dff3e4"),
    "cosy": ("#fff4e0", "#c58b5a", "#d4a373", "#ffe8cc"),
}


def dog(x, y, s, fur="#c98a4b", ear="#8c5a2b"):
    return f"""
  <g transform="translate({x},{y}) scale({s})">
    <ellipse cx="0" cy="60" rx="95" ry="55" fill="{fur}"/>
    <rect x="-70" y="80" width="26" height="60" rx="12" fill="{fur}"/>
    <rect x="45" y="80" width="26" height="60" rx="12" fill="{fur}"/>
    <path d="M85 40 q45 -30 40 -70" stroke="{fur}" stroke-width="16" fill="none" stroke-linecap="round"/>
    <circle cx="-80" cy="-10" r="58" fill="{fur}"/>
    <ellipse cx="-128" cy="-30" rx="20" ry="42" fill="{ear}" transform="rotate(20 -128 -30)"/>
    <ellipse cx="-34" cy="-36" rx="20" ry="42" fill="{ear}" transform="rotate(-20 -34 -36)"/>
    <ellipse cx="-82" cy="18" rx="30" ry="22" fill="#f6e0c4"/>
    <circle cx="-100" cy="-18" r="7" fill="#222"/><circle cx="-62" cy="-18" r="7" fill="#222"/>
    <ellipse cx="-82" cy="8" rx="11" ry="8" fill="#222"/>
    <path d="M-92 26 q10 10 20 0" stroke="#222" stroke-width="4" fill="none"/>
  </g>"""


def cat(x, y, s, fur="#8d8d8d", belly="#e8e8e8"):
    return f"""
  <g transform="translate({x},{y}) scale({s})">
    <path d="M70 90 q80 10 70 -80" stroke="{fur}" stroke-width="18" fill="none" stroke-linecap="round"/>
    <ellipse cx="0" cy="70" rx="80" ry="62" fill="{fur}"/>
    <ellipse cx="0" cy="90" rx="42" ry="36" fill="{belly}"/>
    <circle cx="0" cy="-20" r="56" fill="{fur}"/>
    <path d="M-50 -45 L-42 -105 L-8 -68 Z" fill="{fur}"/>
    <path d="M50 -45 L42 -105 L8 -68 Z" fill="{fur}"/>
    <path d="M-40 -58 L-38 -90 L-18 -68 Z" fill="#f4b6c2"/>
    <path d="M40 -58 L38 -90 L18 -68 Z" fill="#f4b6c2"/>
    <ellipse cx="-20" cy="-25" rx="8" ry="11" fill="#3a6b35"/><ellipse cx="20" cy="-25" rx="8" ry="11" fill="#3a6b35"/>
    <path d="M-7 -5 L7 -5 L0 4 Z" fill="#e07a8a"/>
    <path d="M-60 0 h38 M-60 10 h38 M22 0 h38 M22 10 h38" stroke="#444" stroke-width="2"/>
  </g>"""


def rabbit(x, y, s):
    return f"""
  <g transform="translate({x},{y}) scale({s})">
    <ellipse cx="0" cy="60" rx="70" ry="52" fill="#f2efe9"/>
    <circle cx="-55" cy="0" r="44" fill="#f2efe9"/>
    <ellipse cx="-75" cy="-80" rx="14" ry="50" fill="#f2efe9"/><ellipse cx="-45" cy="-84" rx="14" ry="50" fill="#f2efe9"/>
    <ellipse cx="-75" cy="-80" rx="6" ry="38" fill="#f4b6c2"/><ellipse cx="-45" cy="-84" rx="6" ry="38" fill="#f4b6c2"/>
    <circle cx="-68" cy="-5" r="6" fill="#222"/><circle cx="-88" cy="12" r="6" fill="#f07a8a"/>
    <circle cx="66" cy="52" r="16" fill="#fff"/>
  </g>"""


def room(name, pal, pets, window=True, extras=""):
    wall, floor, accent, sky = PALETTES[pal]
    win = ""
    if window:
        win = f"""
  <rect x="760" y="90" width="320" height="250" rx="10" fill="{sky}" stroke="#fff" stroke-width="14"/>
  <path d="M920 90 v250 M760 215 h320" stroke="#fff" stroke-width="10"/>
  <circle cx="1010" cy="150" r="34" fill="#ffd166"/>
  <path d="M780 300 q60 -70 120 0 q50 -50 110 0 v40 h-230 Z" fill="#95d5b2"/>"""
    return name, f"""<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}">
  <rect width="{W}" height="{H}" fill="{wall}"/>
  <rect y="520" width="{W}" height="280" fill="{floor}"/>
  <path d="M0 520 h{W}" stroke="#00000022" stroke-width="6"/>{win}
  <rect x="90" y="120" width="180" height="130" rx="8" fill="#fff" opacity=".8"/>
  <rect x="110" y="140" width="140" height="90" rx="4" fill="{accent}" opacity=".35"/>
  <ellipse cx="600" cy="690" rx="330" ry="60" fill="{accent}" opacity=".35"/>
  <rect x="120" y="430" width="60" height="110" rx="10" fill="#7a5c3e"/>
  <circle cx="150" cy="400" r="70" fill="#52b788"/><circle cx="110" cy="440" r="40" fill="#40916c"/>
  {extras}{pets}
</svg>"""


def garden(name, pal, pets):
    _, _, accent, sky = PALETTES[pal]
    return name, f"""<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}">
  <rect width="{W}" height="{H}" fill="{sky}"/>
  <circle cx="980" cy="140" r="70" fill="#ffd166"/>
  <path d="M0 470 q300 -120 600 -20 q300 -120 600 -10 v360 h-1200 Z" fill="#74c69d"/>
  <rect y="560" width="{W}" height="240" fill="#95d5b2"/>
  <path d="M40 560 v-80 M100 560 v-80 M160 560 v-80 M220 560 v-80 M280 560 v-80" stroke="#fff" stroke-width="12"/>
  <path d="M20 500 h290 M20 530 h290" stroke="#fff" stroke-width="10"/>
  <rect x="820" y="330" width="240" height="200" fill="{accent}"/>
  <path d="M800 340 l140 -110 l140 110 Z" fill="#9d4edd" opacity=".75"/>
  <rect x="910" y="420" width="60" height="110" fill="#fff" opacity=".8"/>
  <circle cx="430" cy="690" r="26" fill="#ef476f"/>
  {pets}
</svg>"""


def portrait(name, bg, pet):
    return name, f"""<svg xmlns="http://www.w3.org/2000/svg" width="900" height="900" viewBox="0 0 900 900">
  <rect width="900" height="900" fill="{bg}"/>
  <circle cx="450" cy="470" r="330" fill="#ffffff" opacity=".45"/>
  {pet}
</svg>"""


def photos():
    yield room("listing-bj-dog-1", "sunny", dog(520, 520, 1.3), extras='<rect x="330" y="560" width="420" height="60" rx="30" fill="#e07b24" opacity=".6"/>')
    yield garden("listing-bj-dog-2", "sunny", dog(520, 560, 1.1, "#e9c46a", "#a47148") + dog(860, 640, 0.7, "#6d4c41", "#3e2723"))
    yield room("listing-bj-cat-1", "calm", cat(560, 560, 1.3), extras='<rect x="300" y="300" width="40" height="240" fill="#b08968"/><rect x="250" y="300" width="140" height="24" rx="10" fill="#7f5539"/><rect x="250" y="420" width="140" height="24" rx="10" fill="#7f5539"/>')
    yield room("listing-bj-cat-2", "calm", cat(640, 580, 1.0, "#f4a261", "#fff1e0"), window=True)
    yield garden("listing-sh-villa-1", "villa", dog(480, 560, 1.1, "#ffffff", "#d9d9d9") + cat(820, 640, 0.7, "#3d3d3d", "#9e9e9e"))
    yield room("listing-sh-villa-2", "villa", dog(600, 560, 1.2, "#2b2b2b", "#111111"))
    yield room("listing-sh-cat-1", "hotel", cat(520, 560, 1.2, "#d4a373", "#fefae0"), extras='<rect x="320" y="420" width="540" height="140" rx="30" fill="#b56576" opacity=".55"/>')
    yield room("listing-sh-cat-2", "hotel", cat(430, 580, 0.9, "#ffffff", "#eeeeee") + cat(760, 600, 0.8, "#f4a261", "#fff1e0"))
    yield garden("listing-cd-panda-1", "panda", dog(440, 560, 1.0, "#ffffff", "#222222") + rabbit(820, 640, 0.9))
    yield room("listing-cd-panda-2", "panda", cat(600, 580, 1.1, "#222222", "#ffffff"), extras='<circle cx="900" cy="460" r="60" fill="#222"/><circle cx="900" cy="530" r="80" fill="#fff"/><circle cx="860" cy="420" r="22" fill="#222"/><circle cx="940" cy="420" r="22" fill="#222"/>')
    yield room("listing-cd-small-1", "cosy", rabbit(560, 580, 1.2))
    yield room("listing-cd-small-2", "cosy", cat(600, 590, 0.9, "#9e9e9e", "#eeeeee") + rabbit(880, 640, 0.7), window=False)
    yield portrait("pet-doudou", "#ffe8cc", dog(560, 470, 1.9, "#e9a15a", "#a0602a"))
    yield portrait("pet-mimi", "#e4eef2", cat(450, 500, 2.2, "#9aa5b1", "#e9ecef"))
    yield portrait("pet-qiuqiu", "#fde2e4", dog(560, 470, 1.9, "#8c5a2b", "#5a3a1a"))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, svg in photos():
        with open(os.path.join(out, name + ".svg"), "w", encoding="utf-8") as f:
            f.write(svg)
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
