#!/bin/sh
# Makes the demo pack's videos and animation from text slides (Debian: ffmpeg, fonts-dejavu-core).
# Run from this folder; writes into ../demo/media. The outputs are committed; this script is
# how they were made (no network, no stock footage).
set -eu
OUT=../demo/media
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
BOLD=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf

# slides DURATION_PER_SLIDE "title|line" ... -> a drawtext filter chain, one slide after another
slides() {
  per=$1; shift
  i=0; chain=""
  for s in "$@"; do
    t=${s%%|*}; l=${s#*|}
    a=$((i*per)); b=$(((i+1)*per))
    chain="$chain,drawtext=fontfile=$BOLD:text='$t':fontsize=34:fontcolor=white:x=(w-text_w)/2:y=h/2-60:enable='between(t,$a,$b)'"
    chain="$chain,drawtext=fontfile=$FONT:text='$l':fontsize=22:fontcolor=#dfe8f2:x=(w-text_w)/2:y=h/2+10:enable='between(t,$a,$b)'"
    i=$((i+1))
  done
  echo "$chain"
}

S1=$(slides 15 \
  "A well-prepared session|in 90 seconds" \
  "Before · look back|Reread your notes and the actions you agreed" \
  "Before · one or two topics|Turn each topic into a question" \
  "Before · send a short note|Give your mentor time to think too" \
  "During · agree the goal|What would make this hour useful?" \
  "After · within 24 hours|Write down your actions and dates")
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "color=c=#1f3a5f:s=640x360:r=10:d=90" \
  -vf "drawbox=x=0:y=ih-8:w=iw*t/90:h=8:color=#5bc0de:t=fill$S1" \
  -c:v libx264 -preset veryslow -tune stillimage -crf 30 -pix_fmt yuv420p -movflags +faststart \
  "$OUT/session-walkthrough.mp4"

S2=$(slides 9 \
  "Active listening|a demonstration in four steps" \
  "1. Stop|Put the phone away; face the speaker" \
  "2. Look|Notice tone, pace and what is not said" \
  "3. Reflect|Say back what you heard" \
  "4. Ask|What else? Then wait")
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "color=c=#2e5e4e:s=640x360:r=10:d=45" \
  -vf "drawbox=x=0:y=ih-8:w=iw*t/45:h=8:color=#f0ad4e:t=fill$S2" \
  -c:v libvpx-vp9 -b:v 0 -crf 45 -row-mt 1 "$OUT/active-listening-demo.webm"

# The SBI animation: three panels, three seconds each, as a looping GIF.
S3=$(slides 3 "Situation|When and where it happened" "Behaviour|What you saw or heard" "Impact|What it led to and for whom")
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "color=c=#6b3fa0:s=480x270:r=5:d=9" -vf "${S3#,},split[a][b];[a]palettegen=max_colors=16[p];[b][p]paletteuse" \
  -loop 0 "$OUT/sbi-at-a-glance.gif"
