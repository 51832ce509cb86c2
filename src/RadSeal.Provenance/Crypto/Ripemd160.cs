using System.Buffers.Binary;
using System.Numerics;

namespace RadSeal.Provenance.Crypto;

/// <summary>
/// RIPEMD-160 (Dobbertin, Bosselaers, Preneel 1996; ISO/IEC 10118-3). DCMTK's dcmsign uses it as its default MAC
/// algorithm and .NET does not ship it, so verifying dcmsign's default signatures needs this. Incremental: append any
/// number of spans, then <see cref="GetHashAndReset"/>.
/// </summary>
public sealed class Ripemd160
{
    public const int HashSizeInBytes = 20;

    // Message word order, left line (r) and right line (r'), 80 steps each.
    private static ReadOnlySpan<byte> RL =>
    [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8,
        3, 10, 14, 4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12,
        1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2,
        4, 0, 5, 9, 7, 12, 2, 10, 14, 1, 3, 8, 11, 6, 15, 13,
    ];

    private static ReadOnlySpan<byte> RR =>
    [
        5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12,
        6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2,
        15, 5, 1, 3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13,
        8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14,
        12, 15, 10, 4, 1, 5, 8, 7, 6, 2, 13, 14, 0, 3, 9, 11,
    ];

    // Rotation amounts, left (s) and right (s').
    private static ReadOnlySpan<byte> SL =>
    [
        11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8,
        7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12,
        11, 13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5,
        11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12,
        9, 15, 5, 11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6,
    ];

    private static ReadOnlySpan<byte> SR =>
    [
        8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6,
        9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11,
        9, 7, 15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5,
        15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8,
        8, 5, 12, 9, 12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11,
    ];

    private static readonly uint[] KL = [0x00000000, 0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xA953FD4E];
    private static readonly uint[] KR = [0x50A28BE6, 0x5C4DD124, 0x6D703EF3, 0x7A6D76E9, 0x00000000];

    private readonly uint[] state = new uint[5];
    private readonly byte[] buffer = new byte[64];
    private int buffered;
    private ulong totalBytes;

    public Ripemd160() => Reset();

    /// <summary>The RIPEMD-160 of <paramref name="data"/> in one call.</summary>
    public static byte[] HashData(ReadOnlySpan<byte> data)
    {
        var h = new Ripemd160();
        h.AppendData(data);
        return h.GetHashAndReset();
    }

    public void AppendData(ReadOnlySpan<byte> data)
    {
        totalBytes += (ulong)data.Length;
        if (buffered > 0)
        {
            var take = Math.Min(64 - buffered, data.Length);
            data[..take].CopyTo(buffer.AsSpan(buffered));
            buffered += take;
            data = data[take..];
            if (buffered < 64)
            {
                return;
            }
            Compress(buffer);
            buffered = 0;
        }
        while (data.Length >= 64)
        {
            Compress(data[..64]);
            data = data[64..];
        }
        data.CopyTo(buffer);
        buffered = data.Length;
    }

    public byte[] GetHashAndReset()
    {
        // MD4-style padding: 0x80, zeros to 56 mod 64, then the bit length as a little-endian 64-bit number.
        var bitLength = totalBytes * 8;
        Span<byte> pad = stackalloc byte[72];
        pad.Clear();
        pad[0] = 0x80;
        var padLength = buffered < 56 ? 56 - buffered : 120 - buffered;
        BinaryPrimitives.WriteUInt64LittleEndian(pad[padLength..], bitLength);
        AppendData(pad[..(padLength + 8)]);
        var result = new byte[HashSizeInBytes];
        for (var i = 0; i < 5; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(i * 4), state[i]);
        }
        Reset();
        return result;
    }

    private void Reset()
    {
        state[0] = 0x67452301;
        state[1] = 0xEFCDAB89;
        state[2] = 0x98BADCFE;
        state[3] = 0x10325476;
        state[4] = 0xC3D2E1F0;
        buffered = 0;
        totalBytes = 0;
    }

    // The five boolean functions of the specification; the left line uses f1..f5 by round, the right line f5..f1.
    private static uint F1(uint x, uint y, uint z) => x ^ y ^ z;
    private static uint F2(uint x, uint y, uint z) => (x & y) | (~x & z);
    private static uint F3(uint x, uint y, uint z) => (x | ~y) ^ z;
    private static uint F4(uint x, uint y, uint z) => (x & z) | (y & ~z);
    private static uint F5(uint x, uint y, uint z) => x ^ (y | ~z);

    private void Compress(ReadOnlySpan<byte> block)
    {
        Span<uint> x = stackalloc uint[16];
        for (var i = 0; i < 16; i++)
        {
            x[i] = BinaryPrimitives.ReadUInt32LittleEndian(block[(i * 4)..]);
        }
        uint al = state[0], bl = state[1], cl = state[2], dl = state[3], el = state[4];
        uint ar = al, br = bl, cr = cl, dr = dl, er = el;
        // One loop per round so the function and constants are fixed inside it (no per-step dispatch).
        for (var j = 0; j < 16; j++)
        {
            Step(ref al, ref bl, ref cl, ref dl, ref el, F1(bl, cl, dl) + x[RL[j]] + KL[0], SL[j]);
            Step(ref ar, ref br, ref cr, ref dr, ref er, F5(br, cr, dr) + x[RR[j]] + KR[0], SR[j]);
        }
        for (var j = 16; j < 32; j++)
        {
            Step(ref al, ref bl, ref cl, ref dl, ref el, F2(bl, cl, dl) + x[RL[j]] + KL[1], SL[j]);
            Step(ref ar, ref br, ref cr, ref dr, ref er, F4(br, cr, dr) + x[RR[j]] + KR[1], SR[j]);
        }
        for (var j = 32; j < 48; j++)
        {
            Step(ref al, ref bl, ref cl, ref dl, ref el, F3(bl, cl, dl) + x[RL[j]] + KL[2], SL[j]);
            Step(ref ar, ref br, ref cr, ref dr, ref er, F3(br, cr, dr) + x[RR[j]] + KR[2], SR[j]);
        }
        for (var j = 48; j < 64; j++)
        {
            Step(ref al, ref bl, ref cl, ref dl, ref el, F4(bl, cl, dl) + x[RL[j]] + KL[3], SL[j]);
            Step(ref ar, ref br, ref cr, ref dr, ref er, F2(br, cr, dr) + x[RR[j]] + KR[3], SR[j]);
        }
        for (var j = 64; j < 80; j++)
        {
            Step(ref al, ref bl, ref cl, ref dl, ref el, F5(bl, cl, dl) + x[RL[j]] + KL[4], SL[j]);
            Step(ref ar, ref br, ref cr, ref dr, ref er, F1(br, cr, dr) + x[RR[j]] + KR[4], SR[j]);
        }
        var tt = state[1] + cl + dr;
        state[1] = state[2] + dl + er;
        state[2] = state[3] + el + ar;
        state[3] = state[4] + al + br;
        state[4] = state[0] + bl + cr;
        state[0] = tt;
    }

    /// <summary>One step: T = rol(A + f + X + K, s) + E; then A = E, E = D, D = rol(C, 10), C = B, B = T.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Step(ref uint a, ref uint b, ref uint c, ref uint d, ref uint e, uint fxk, int s)
    {
        var t = BitOperations.RotateLeft(a + fxk, s) + e;
        a = e;
        e = d;
        d = BitOperations.RotateLeft(c, 10);
        c = b;
        b = t;
    }
}
