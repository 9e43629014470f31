# Shell helpers for tests that need a TSA: source it, then `tsa_start DIR`.
# Sets TSA_URL and TSA_CA; the server is stopped when the shell exits
# (call tsa_stop from your own EXIT trap if you set one).
tsa_start() {
  _tsa_dir=$1
  "$CUSTOS_SOURCE_ROOT/tests/tsa/make-tsa.sh" "$_tsa_dir"
  unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
  python3 "$CUSTOS_SOURCE_ROOT/tests/tsa/tsa-server.py" "$_tsa_dir" "$_tsa_dir/port" &
  TSA_PID=$!
  _i=0
  while [ ! -s "$_tsa_dir/port" ]; do
    _i=$((_i + 1))
    if [ $_i -gt 100 ]; then echo "tsa: server did not start" >&2; return 1; fi
    sleep 0.1
  done
  TSA_URL="http://127.0.0.1:$(cat "$_tsa_dir/port")"
  TSA_CA="$_tsa_dir/ca.crt"
}
tsa_stop() {
  if [ -n "${TSA_PID:-}" ]; then kill "$TSA_PID" 2>/dev/null; wait "$TSA_PID" 2>/dev/null; TSA_PID=; fi
  return 0
}
