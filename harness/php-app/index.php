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
$started = @session_start();

if ($started) {
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
    'visit_count' => $started ? $_SESSION['visit_count'] : 0,
    'user' => $started ? ($_SESSION['user'] ?? null) : null,
    'variableString' => $started ? ($_SESSION['variableString'] ?? null) : null,
    'handler' => ini_get('session.save_handler'),
    'serializer' => ini_get('session.serialize_handler'),
    'pid' => getmypid(),
], $flags), "\n";
