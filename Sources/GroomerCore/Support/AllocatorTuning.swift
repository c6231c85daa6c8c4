import CMalloc

/// The allocator settings of a long-running `serve`.
///
/// glibc returns the free top of each thread's heap to the kernel as soon as it passes 128 KiB,
/// so a server that frees a few dozen request bodies at once gives pages back and faults them
/// in again on the next requests (two page faults and a cross-CPU TLB flush per delivery under
/// load). Keeping up to 4 MiB per heap stops that churn; blocks of 4 MiB and more (large
/// deliveries) are mapped on their own and unmapped when freed, so a 25 MiB body is never
/// kept once answered.
public enum AllocatorTuning {
    static let retainedHeapTop = 4 * 1024 * 1024
    static let separateMappingThreshold = 4 * 1024 * 1024

    /// Applies the settings; false if glibc refused one.
    @discardableResult
    public static func applyForServer() -> Bool {
        mallopt(M_TRIM_THRESHOLD, Int32(retainedHeapTop)) == 1 && mallopt(M_MMAP_THRESHOLD, Int32(separateMappingThreshold)) == 1
    }

    /// Bytes the allocator has handed out and not had back (`mallinfo2`: the arenas' and the
    /// separate mappings' blocks in use). Unlike resident memory it does not count freed
    /// pages glibc keeps, so it shows what a process holds.
    @_spi(Benchmark)
    public static func heapBytesInUse() -> Int {
        let info = mallinfo2()
        return Int(info.uordblks) + Int(info.hblkhd)
    }
}
