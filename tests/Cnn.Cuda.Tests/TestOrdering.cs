using Xunit;

// Every backend shares the device's primary context, one test's graph capture must not meet another
// test's work, and the memory tests compare device-wide free memory: the GPU tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
