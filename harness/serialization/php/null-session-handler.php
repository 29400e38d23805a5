<?php
// A save handler that stores nothing: session_encode()/session_decode() need a started
// session, not a store. Shared by the serializer bench and the fixture generators.
declare(strict_types=1);

final class PslNullSessionHandler implements SessionHandlerInterface
{
    public function open(string $path, string $name): bool { return true; }
    public function close(): bool { return true; }
    public function read(string $id): string|false { return ''; }
    public function write(string $id, string $data): bool { return true; }
    public function destroy(string $id): bool { return true; }
    public function gc(int $max_lifetime): int|false { return 0; }
}
