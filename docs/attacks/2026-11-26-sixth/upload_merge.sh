#!/bin/sh
# A record that `tenyo add` refuses (it would lose the patent's claims) sent
# through POST /api/add: what does the server answer? usage: upload_merge.sh
T=$(cd "$(dirname "$0")/../../.." && pwd)/build/tenyo
W=$(mktemp -d); cd $W
printf '%s\n' '{"id":"M2","title":"把持装置","abstract":"ロボットの把持装置。","claims":"請求項1 ヴェクトラニウムを含む把持装置。","ipc":["B25J15/08"]}' \
  '{"id":"M2-twin","title":"把持装置","abstract":"ロボットの把持装置。","claims":"請求項1 ヴェクトラニウムを含む把持装置。","ipc":["B25J15/08"]}' > src.jsonl
cat "$(dirname "$T")/../data/sample/sample.jsonl" >> src.jsonl
$T index src.jsonl -o x.tny -q 2>/dev/null
echo '{"id":"M2","abstract":"ロボットの把持装置は新しい一文を加える。"}' > t.jsonl
echo "== CLI:"; cp x.tny y.tny; $T add y.tny t.jsonl -q; echo "exit $?"
echo "== server:"
$T serve x.tny --port 18936 -q --writable & S=$!; sleep 1
curl -s -w '\nHTTP %{http_code}\n' -X POST "http://127.0.0.1:18936/api/add?name=t.jsonl" --data-binary @t.jsonl
kill $S; wait $S 2>/dev/null; rm -rf $W
