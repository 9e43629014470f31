/* SPDX-License-Identifier: ISC */
#include "custos/key.h"
#include "custos/sign.h"
#include "custos/digest.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "key_private.h"
#include "tap.h"

static const char pass[] = "correct horse battery";

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    static char buf[65536];
    size_t n = f != NULL ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f != NULL)
        fclose(f);
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

/* Writes path with the first occurrence of from replaced by to. */
static void
rewrite(const char *src, const char *dst, const char *from, const char *to)
{
    char *t = slurp(src, NULL);
    char out[65536];
    char *at = strstr(t, from);
    if (at == NULL) {
        printf("Bail out! '%s' not in %s\n", from, src);
        exit(1);
    }
    size_t pre = (size_t)(at - t);
    snprintf(out, sizeof(out), "%.*s%s%s", (int)pre, t, to, at + strlen(from));
    tap_write(dst, out, strlen(out));
}

static void
test_generate_and_load(void)
{
    struct custos_error err;
    struct custos_key *k = NULL, *priv = NULL, *pub = NULL;
    struct stat st;
    custos_error_clear(&err);

    is_status(custos_key_generate(&k, "Alice", "janitor", &err), CUSTOS_E_USAGE, &err,
              "unknown role refused");
    is_status(custos_key_generate(&k, "", "custodian", &err), CUSTOS_E_USAGE, &err,
              "empty name refused");
    is_status(custos_key_generate(&k, "Alice\nrole: legal", "custodian", &err), CUSTOS_E_USAGE,
              &err, "name with a line break refused");
    is_status(custos_key_generate(&k, "\xff\xfe", "custodian", &err), CUSTOS_E_USAGE, &err,
              "invalid UTF-8 refused");
    is_status(custos_key_generate(&k, "林佳慧 (Carol Lin)", "witness", &err), CUSTOS_OK, &err,
              "generate");
    ok(custos_key_has_private(k), "generated key is private");
    is_int(strlen(custos_key_fingerprint(k)), 64, "fingerprint is 64 hex digits");

    /* The fingerprint is SHA-256 of the DER SPKI, computed independently. */
    uint8_t spki[CUSTOS_KEY_SPKI_SIZE], md[32];
    char hex[65];
    unsigned mdlen;
    custos_key_spki(k, spki);
    EVP_Digest(spki, sizeof(spki), md, &mdlen, EVP_sha256(), NULL);
    custos_hex_encode(md, 32, hex);
    is_str(custos_key_fingerprint(k), hex, "fingerprint = sha256(SPKI DER)");
    unsigned char *der = NULL;
    int dlen = i2d_PUBKEY(custos__key_pkey(k), &der);
    ok(dlen == CUSTOS_KEY_SPKI_SIZE && memcmp(der, spki, (size_t)dlen) == 0,
       "SPKI equals OpenSSL's i2d_PUBKEY");
    OPENSSL_free(der);

    is_status(custos_key_save(k, "carol.key", "short", 5, &err), CUSTOS_E_USAGE, &err,
              "short passphrase refused");
    is_status(custos_key_save(k, "carol.key", pass, strlen(pass), &err), CUSTOS_OK, &err, "save");
    ok(stat("carol.key", &st) == 0 && (st.st_mode & 0777) == 0600, "private key is mode 0600");
    ok(stat("carol.key.pub", &st) == 0, "public key file written");
    is_status(custos_key_save(k, "carol.key", pass, strlen(pass), &err), CUSTOS_E_REFUSED, &err,
              "existing key file refused");
    has_str(slurp("carol.key", NULL), "-----BEGIN ENCRYPTED PRIVATE KEY-----",
            "private key is encrypted PKCS#8");
    has_str(slurp("carol.key", NULL), "name: 林佳慧 (Carol Lin)\nrole: witness\n",
            "statement names the person and role");

    is_status(custos_key_load_private(&priv, "carol.key", pass, strlen(pass), &err), CUSTOS_OK,
              &err, "load private");
    if (priv != NULL) {
        is_str(custos_key_fingerprint(priv), custos_key_fingerprint(k), "same fingerprint");
        is_str(custos_key_name(priv), "林佳慧 (Carol Lin)", "name");
        is_str(custos_key_role(priv), "witness", "role");
        is_str(custos_key_created(priv), custos_key_created(k), "created");
    }
    is_status(custos_key_load_private(&pub, "carol.key", "wrong passphrase", 16, &err),
              CUSTOS_E_UNTRUSTED, &err, "wrong passphrase");
    has_str(err.message, "wrong passphrase", "error says wrong passphrase");
    ok(pub == NULL, "no key on failure");

    is_status(custos_key_load_public(&pub, "carol.key.pub", &err), CUSTOS_OK, &err, "load public");
    if (pub != NULL) {
        is_str(custos_key_fingerprint(pub), custos_key_fingerprint(k), "public fingerprint");
        ok(!custos_key_has_private(pub), "public key has no private half");
    }
    custos_key_free(pub);
    pub = NULL;
    {
        FILE *f = fopen("carol.key.pub", "rb");
        char buf[4096];
        size_t n = f != NULL ? fread(buf, 1, sizeof(buf), f) : 0;
        if (f != NULL)
            fclose(f);
        is_status(custos_key_load_public_mem(&pub, "mem.pub", buf, n, &err), CUSTOS_OK, &err,
                  "load public from memory");
        if (pub != NULL)
            is_str(custos_key_fingerprint(pub), custos_key_fingerprint(k), "same fingerprint");
        custos_key_free(pub);
        pub = NULL;
        buf[40] ^= 1;
        is_status(custos_key_load_public_mem(&pub, "mem.pub", buf, n, &err) != CUSTOS_OK, 1, &err,
                  "altered bytes in memory refused");
        is_status(custos_key_load_public_mem(&pub, "mem.pub", buf, n / 2, &err) != CUSTOS_OK, 1,
                  &err, "cut bytes refused");
        has_str(err.message, "mem.pub", "message names the given name");
    }
    is_status(custos_key_load_public(&pub, "carol.key", &err), CUSTOS_E_USAGE, &err,
              "private file given as public refused");
    is_status(custos_key_load_private(&pub, "carol.key.pub", pass, strlen(pass), &err),
              CUSTOS_E_USAGE, &err, "public file given as private refused");

    /* Altered statements. */
    rewrite("carol.key.pub", "renamed.pub", "role: witness", "role: legal");
    is_status(custos_key_load_public(&pub, "renamed.pub", &err), CUSTOS_E_UNTRUSTED, &err,
              "altered role detected");
    has_str(err.message, "binding", "error names the binding");
    rewrite("carol.key", "renamed.key", "role: witness", "role: custodian");
    chmod("renamed.key", 0600);
    is_status(custos_key_load_private(&pub, "renamed.key", pass, strlen(pass), &err),
              CUSTOS_E_UNTRUSTED, &err, "altered role in private file detected");
    char fpline[80];
    snprintf(fpline, sizeof(fpline), "fingerprint: %.8s", custos_key_fingerprint(k));
    rewrite("carol.key.pub", "fp.pub", fpline, "fingerprint: 00000000");
    is_status(custos_key_load_public(&pub, "fp.pub", &err), CUSTOS_E_UNTRUSTED, &err,
              "altered fingerprint detected");
    has_str(err.message, "does not match its fingerprint", "error names the fingerprint");

    /* Corrupt files. */
    size_t len;
    char *t = slurp("carol.key", &len);
    tap_write("trunc.key", t, len / 2);
    chmod("trunc.key", 0600);
    is_status(custos_key_load_private(&pub, "trunc.key", pass, strlen(pass), &err),
              CUSTOS_E_CORRUPT, &err, "truncated private key is corrupt");
    tap_write("junk.key", "hello\n", 6);
    is_status(custos_key_load_public(&pub, "junk.key", &err), CUSTOS_E_CORRUPT, &err,
              "junk is corrupt");
    has_str(err.message, "not a custos key file", "error says so");
    is_status(custos_key_load_public(&pub, "missing.pub", &err), CUSTOS_E_IO, &err,
              "missing file is an I/O error");

    /* Wrong key type. */
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    FILE *f = fopen("rsa.pub", "w");
    PEM_write_PUBKEY(f, rsa);
    fclose(f);
    is_status(custos_key_load_public(&pub, "rsa.pub", &err), CUSTOS_E_UNSUPPORTED, &err,
              "RSA public key refused");
    has_str(err.message, "wrong key type", "error says wrong key type");
    /* A custos statement over an RSA block. */
    char *pubtext = slurp("carol.key.pub", NULL);
    char stmt[4096];
    snprintf(stmt, sizeof(stmt), "%.*s", (int)(strstr(pubtext, "-----BEGIN") - pubtext), pubtext);
    f = fopen("stmt-rsa.pub", "w");
    fputs(stmt, f);
    PEM_write_PUBKEY(f, rsa);
    fclose(f);
    is_status(custos_key_load_public(&pub, "stmt-rsa.pub", &err), CUSTOS_E_UNSUPPORTED, &err,
              "statement with an RSA key refused");
    EVP_PKEY_free(rsa);

    /* Weak encryption (OpenSSL's default 2048 iterations) is refused. */
    f = fopen("weak.key", "w");
    fputs(stmt, f);
    PEM_write_PKCS8PrivateKey(f, custos__key_pkey(k), EVP_aes_256_cbc(), NULL, 0, NULL,
                              (void *)pass);
    fclose(f);
    chmod("weak.key", 0600);
    is_status(custos_key_load_private(&pub, "weak.key", pass, strlen(pass), &err),
              CUSTOS_E_UNSUPPORTED, &err, "2048-iteration PBKDF2 refused");
    has_str(err.message, "weak key encryption", "error says weak encryption");

    /* from_spki gives the same fingerprint. */
    is_status(custos_key_from_spki(&pub, spki, sizeof(spki), "x", "legal", &err), CUSTOS_OK, &err,
              "from_spki");
    if (pub != NULL)
        is_str(custos_key_fingerprint(pub), custos_key_fingerprint(k), "from_spki fingerprint");
    custos_key_free(pub);
    pub = NULL;
    is_status(custos_key_from_spki(&pub, spki, sizeof(spki) - 1, NULL, NULL, &err),
              CUSTOS_E_CORRUPT, &err, "short SPKI refused");

    custos_key_free(priv);
    custos_key_free(k);
    custos_key_free(NULL);
}

static void
test_passphrase(void)
{
    struct custos_error err;
    char *p = NULL;
    size_t n = 0;
    custos_error_clear(&err);
    tap_write("p1", "secret phrase\nsecond line\n", 26);
    is_status(custos_passphrase_load_file("p1", &p, &n, &err), CUSTOS_OK, &err, "read file");
    is_str(p, "secret phrase", "first line without LF");
    is_int(n, 13, "length");
    custos_passphrase_free(p, n);
    /* openssl -passin file: keeps a CR, so custos refuses it rather than disagree. */
    tap_write("p2", "crlf phrase\r\n", 13);
    p = NULL;
    is_status(custos_passphrase_load_file("p2", &p, &n, &err), CUSTOS_E_CORRUPT, &err,
              "CRLF passphrase file refused");
    has_str(err.message, "CR", "error names the CR");
    has_str(err.message, "p2", "error names the file");
    ok(p == NULL, "nothing returned for CRLF");
    tap_write("p3", "no newline", 10);
    custos_passphrase_load_file("p3", &p, &n, &err);
    is_str(p, "no newline", "no final newline");
    custos_passphrase_free(p, n);
    tap_write("p4", "\n", 1);
    p = NULL;
    is_status(custos_passphrase_load_file("p4", &p, &n, &err), CUSTOS_E_CORRUPT, &err,
              "empty passphrase refused");
    ok(p == NULL, "nothing returned");
    is_status(custos_passphrase_load_file("nope", &p, &n, &err), CUSTOS_E_IO, &err, "missing file");
    /* openssl -passin file: reads at most 1023 bytes: longer is refused, not cut. */
    char longp[1026];
    memset(longp, 'a', sizeof(longp));
    longp[1023] = '\n';
    tap_write("p5", longp, 1024);
    is_status(custos_passphrase_load_file("p5", &p, &n, &err), CUSTOS_OK, &err,
              "1023-byte passphrase accepted");
    is_int(n, 1023, "all of it");
    custos_passphrase_free(p, n);
    p = NULL;
    longp[1023] = 'a';
    longp[1024] = '\n';
    tap_write("p6", longp, 1025);
    is_status(custos_passphrase_load_file("p6", &p, &n, &err), CUSTOS_E_CORRUPT, &err,
              "1024-byte passphrase refused");
    ok(p == NULL, "nothing returned for an over-long passphrase");
    custos_passphrase_free(NULL, 0);
    ok(custos_key_role_valid("legal") && !custos_key_role_valid("Legal") &&
           !custos_key_role_valid(NULL),
       "role names are exact");
}

/* The VmFlags of the mapping of /proc/self/smaps holding addr, or "". */
static void
vmflags(const void *addr, char *out, size_t outlen)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int in = 0;
    uintptr_t a = (uintptr_t)addr;
    out[0] = '\0';
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
            in = a >= lo && a < hi;
        else if (in && strncmp(line, "VmFlags:", 8) == 0)
            snprintf(out, outlen, "%s", line + 8);
    }
    if (f != NULL)
        fclose(f);
}

/*
 * A process that read a passphrase or loaded a private key is not dumpable
 * (no core dump holds the seed) and the passphrase page is excluded from
 * dumps. Run in a child so that the order of tests does not matter.
 */
static void
test_dump_protection(void)
{
    int fds[2];
    if (pipe(fds) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        struct custos_error err;
        char *p = NULL, flags[600];
        size_t n = 0;
        int r = 0;
        prctl(PR_SET_DUMPABLE, 1); /* the parent loaded keys already */
        if (prctl(PR_GET_DUMPABLE) == 1)
            r |= 1;
        tap_write("pd", "a passphrase\n", 13);
        if (custos_passphrase_load_file("pd", &p, &n, &err) == CUSTOS_OK) {
            r |= 2;
            vmflags(p, flags, sizeof(flags));
            if (strstr(flags, " dd") != NULL)
                r |= 8;
            custos_passphrase_free(p, n);
        }
        if (prctl(PR_GET_DUMPABLE) == 0)
            r |= 4;
        if (write(fds[1], &r, sizeof(r)) < 0)
            _exit(1);
        _exit(0);
    }
    close(fds[1]);
    int r = 0;
    if (read(fds[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
        r = 0;
    close(fds[0]);
    waitpid(pid, NULL, 0);
    ok(r & 1, "a process made dumpable again is (the test can see a change)");
    ok(r & 2, "passphrase read");
    ok(r & 4, "reading a passphrase makes the process non-dumpable");
    ok(r & 8, "the passphrase page is excluded from core dumps (MADV_DONTDUMP)");

    /* Loading a private key in a fresh child. */
    if (pipe(fds) != 0)
        return;
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        struct custos_error err;
        struct custos_key *k = NULL;
        prctl(PR_SET_DUMPABLE, 1);
        int r2 = prctl(PR_GET_DUMPABLE) == 1;
        if (custos_key_load_private(&k, "carol.key", pass, strlen(pass), &err) == CUSTOS_OK &&
            prctl(PR_GET_DUMPABLE) == 0)
            r2 |= 2;
        custos_key_free(k);
        if (prctl(PR_GET_DUMPABLE) == 0)
            r2 |= 4;
        if (write(fds[1], &r2, sizeof(r2)) < 0)
            _exit(1);
        _exit(0);
    }
    close(fds[1]);
    r = 0;
    if (read(fds[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
        r = 0;
    close(fds[0]);
    waitpid(pid, NULL, 0);
    ok(r & 1, "dumpable before the key is loaded");
    ok(r & 2, "non-dumpable while a private key is loaded");
    ok(r & 4, "still non-dumpable after it is freed (fragments may remain)");
}

/* Private key files open to other users are refused, with the mode and the fix. */
static void
test_private_mode(void)
{
    struct custos_error err;
    struct custos_key *k = NULL;
    custos_error_clear(&err);
    chmod("carol.key", 0644);
    is_status(custos_key_load_private(&k, "carol.key", pass, strlen(pass), &err), CUSTOS_E_REFUSED,
              &err, "mode 0644 private key refused");
    has_str(err.message, "0644", "error gives the mode");
    has_str(err.message, "chmod 600", "error gives the fix");
    ok(k == NULL, "no key");
    chmod("carol.key", 0640);
    is_status(custos_key_load_private(&k, "carol.key", pass, strlen(pass), &err), CUSTOS_E_REFUSED,
              &err, "mode 0640 private key refused");
    chmod("carol.key", 0400);
    is_status(custos_key_load_private(&k, "carol.key", pass, strlen(pass), &err), CUSTOS_OK, &err,
              "mode 0400 private key accepted");
    custos_key_free(k);
    k = NULL;
    chmod("carol.key", 0600);
    chmod("carol.key.pub", 0644);
    is_status(custos_key_load_public(&k, "carol.key.pub", &err), CUSTOS_OK, &err,
              "a public key may be world-readable");
    custos_key_free(k);
}

/* A failing fstat: the error is reported, not a file type read from garbage. */
static int fail_fstat;

static int
fake_fstat(int fd, struct stat *st)
{
    if (fail_fstat) {
        fail_fstat = 0;
        memset(st, 0, sizeof(*st));
        st->st_mode = S_IFDIR | 0755; /* what a stale buffer might say */
        errno = EIO;
        return -1;
    }
    return (int)syscall(SYS_fstat, fd, st);
}

/* Both names, whatever _FILE_OFFSET_BITS redirects fstat to; they interpose libc's. */
int interpose_fstat(int fd, struct stat *st) __asm__("fstat");
int interpose_fstat64(int fd, struct stat *st) __asm__("fstat64");

int
interpose_fstat(int fd, struct stat *st)
{
    return fake_fstat(fd, st);
}

int
interpose_fstat64(int fd, struct stat *st)
{
    return fake_fstat(fd, st);
}

static void
test_fstat_failure(void)
{
    struct custos_error err;
    struct custos_key *k = NULL;
    custos_error_clear(&err);
    fail_fstat = 1;
    is_status(custos_key_load_public(&k, "carol.key.pub", &err), CUSTOS_E_IO, &err,
              "failed fstat is an I/O error");
    is_int(err.sys_errno, EIO, "with fstat's errno");
    ok(fail_fstat == 0, "the fake fstat was called");
    custos_key_free(k);
}

int
main(void)
{
    tap_tmpdir();
    test_generate_and_load();
    test_passphrase();
    test_dump_protection();
    test_private_mode();
    test_fstat_failure();
    return tap_done();
}
