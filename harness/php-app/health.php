<?php
// Liveness without touching the session.
header('Content-Type: application/json; charset=utf-8');
header('Cache-Control: no-store');
echo json_encode(['node' => getenv('NODE_NAME') ?: ($_SERVER['NODE_NAME'] ?? 'unknown'), 'ok' => true], JSON_HEX_TAG | JSON_HEX_AMP), "\n";
