<?php
// php-session-lab app (DESIGN: the PHP app contract).
// GET /            starts the session, increments visit_count, remembers the first `user`
//                  it was given, answers JSON.
// GET /?set=V      also stores V as variableString.
// Everything echoed is JSON-encoded with HTML-safe flags (escaped output).
declare(strict_types=1);

header('Content-Type: application/json; charset=utf-8');
header('Cache-Control: no-store');

$node = getenv('NODE_NAME') ?: ($_SERVER['NODE_NAME'] ?? 'unknown');
$readOnly = isset($_GET['read']);
// ?read=1 reads the session without writing it (used to check a count after a burst).
$started = @session_start($readOnly ? ['read_and_close' => true] : []);
// Like a typical app, carry on even when session_start() failed (Redis down): the answer is
// a 200 with an empty session — the failure that looks like success, which the checker sees.
if (!isset($_SESSION) || !is_array($_SESSION)) {
    $_SESSION = [];
}

if (!$readOnly) {
    $_SESSION['visit_count'] = (int)($_SESSION['visit_count'] ?? 0) + 1;
    if (isset($_GET['user']) && is_string($_GET['user']) && !isset($_SESSION['user'])) {
        $_SESSION['user'] = substr($_GET['user'], 0, 128);
    }
    if (isset($_GET['set']) && is_string($_GET['set'])) {
        $_SESSION['variableString'] = substr($_GET['set'], 0, 4096);
    }
}

$flags = JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT | JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE;
echo json_encode([
    'node' => $node,
    'sid' => session_id(),
    'session_started' => $started,
    'visit_count' => (int)($_SESSION['visit_count'] ?? 0),
    'user' => $_SESSION['user'] ?? null,
    'variableString' => $_SESSION['variableString'] ?? null,
    'handler' => ini_get('session.save_handler'),
    'serializer' => ini_get('session.serialize_handler'),
    'pid' => getmypid(),
], $flags), "\n";
