/**
 * Model files and training checkpoints: {@link dev.isthmus.nn.io.ModelFile} saves and loads a
 * {@link dev.isthmus.nn.Sequential} model, {@link dev.isthmus.nn.io.Checkpoint} a model with its
 * optimizer and training state. Both write one safetensors file, which any safetensors reader opens
 * (in Python: {@code safetensors.numpy.load_file} for the tensors, {@code safe_open(...).metadata()}
 * for the metadata). This page is the whole format, enough to write a reader or a writer in another
 * language.
 *
 * <h2>Byte layout</h2>
 * <ol>
 * <li>Bytes 0-7: N, the header length, an unsigned 64-bit little-endian integer. Readers accept
 *     N up to 100,000,000 and no more than the bytes that follow.
 * <li>Bytes 8 to 8+N: the header, a JSON object (RFC 8259) in UTF-8. Isthmus pads it with
 *     spaces (0x20) so that N is a multiple of 8 and the data starts 8-byte aligned; padding is
 *     JSON whitespace, so readers need not know about it.
 * <li>Bytes 8+N to the end of the file: the data section, the tensors' values back to back.
 * </ol>
 *
 * <h2>Header</h2>
 * The header maps each tensor's name to
 * {@code {"dtype":"F32","shape":[d0,d1,...],"data_offsets":[begin,end]}}, plus one key
 * {@code "__metadata__"} whose value is an object of strings (every value a JSON string).
 * <ul>
 * <li>{@code dtype} is always {@code "F32"}: IEEE 754 binary32, little-endian. Isthmus writes and
 *     reads no other type; a file with another dtype is rejected naming the tensor.
 * <li>{@code shape} lists the dimensions, outermost first; values are row-major (C order).
 * <li>{@code data_offsets} are byte offsets into the data section (not the file), begin inclusive,
 *     end exclusive, {@code end - begin = 4 * product(shape)}. Sorted by offset, the tensors cover
 *     the data section exactly: the first begins at 0, each begins where the previous ends, the last
 *     ends at the end of the file. Isthmus writes them in the header's key order. Gaps, overlaps,
 *     offsets past the end and a data section longer or shorter than the tensors are errors.
 * <li>Keys are unique (a repeated key, tensor or not, is an error). A tensor entry has exactly the
 *     three keys above. The JSON is strict RFC 8259 (no comments, NaN or trailing commas), here and in
 *     the JSON documents the metadata strings hold.
 * </ul>
 *
 * <h2>Tensor names</h2>
 * <ul>
 * <li>{@code layers.<i>.<name>}: the parameters, then the buffers, of the model's layer number
 *     {@code i} (from 0, every layer counted, including those without weights), under the names
 *     {@link dev.isthmus.nn.Parameter#name()} gives: {@code layers.0.weight}, {@code layers.0.bias},
 *     {@code layers.2.running_mean}... A dense layer's {@code weight} has shape
 *     {@code [in_features, out_features]} (the transpose of PyTorch's {@code nn.Linear.weight}),
 *     its {@code bias} {@code [out_features]}.
 * <li>{@code optimizer.<key>} (checkpoints only): one optimizer array, shape {@code [length]}; the
 *     key is everything after {@code optimizer.} and may itself hold dots.
 * </ul>
 * A model file holds exactly the tensors its architecture needs: a missing tensor, one more, or one
 * of another shape is an error naming it.
 *
 * <h2>Metadata</h2>
 * All values are strings; some are JSON documents encoded into a string.
 * <ul>
 * <li>{@code "format"}: {@code "isthmus-model"} or {@code "isthmus-checkpoint"}. A safetensors file
 *     with another format (PyTorch exports say {@code "pt"}) or none is "not an Isthmus model".
 * <li>{@code "format_version"}: a positive decimal integer, {@code "1"} for this layout.
 * <li>{@code "architecture"}: JSON
 *     {@code {"input_shape":[784],"layers":[{"kind":"dense","config":{...}},{"kind":"relu","config":{}},...]}}:
 *     the shape of one input sample (no batch dimension), then each layer's
 *     {@link dev.isthmus.nn.Layer#kind()} and {@link dev.isthmus.nn.Layer#config()}; the object and
 *     each layer entry have exactly these keys. Config values are JSON integers, floats (written as
 *     Java's {@link java.lang.Float#toString(float)}, the shortest text that reads back to the same
 *     float, and read as the float nearest to the decimal text; an integer is accepted where a float
 *     is expected), booleans, strings and arrays of integers. The kinds and their config keys, all
 *     required:
 *     <ul>
 *     <li>{@code dense}: {@code in_features}, {@code out_features}, {@code init} (what
 *         {@link dev.isthmus.nn.Init#parse} reads, such as {@code "he_uniform"} or {@code "0.5"}; kept
 *         for the record, the weights come from the file), {@code l1}, {@code l2} (the weight's
 *         penalties);
 *     <li>{@code leaky_relu}, {@code elu}: {@code alpha};
 *     <li>{@code relu}, {@code sigmoid}, {@code tanh}, {@code softmax}, {@code flatten}: none (an
 *         empty object); they take the previous layer's output shape.
 *     </ul>
 *     An unknown kind or config key is an error, not something skipped: a layer read without an
 *     option it was trained with would compute something else.
 * <li>{@code "extra"} (optional): JSON object of strings, the map the caller passed to
 *     {@code save} (input normalization, class names...). Absent when that map was empty.
 * <li>{@code "training_state"} (checkpoints, optional): JSON object of strings (epoch, step,
 *     optimizer name and configuration, RNG seeds, history...). Absent when empty.
 * </ul>
 * Other metadata keys are ignored by readers of this version, so tools may add their own.
 *
 * <h2>Versions</h2>
 * A reader refuses a {@code format_version} above the one it knows, with a message naming both.
 * Adding a layer kind or an optional metadata key does not change the version (an older reader
 * fails on an unknown kind by name); changing the layout, a name scheme, a config key's meaning, or
 * a tensor's shape convention does.
 *
 * <h2>Checkpoints and models</h2>
 * A checkpoint is a model file with format {@code isthmus-checkpoint}, {@code optimizer.*} tensors
 * and {@code training_state}. {@code ModelFile.load} accepts a checkpoint and ignores its optimizer
 * and training state (so a checkpoint can be deployed as is); {@code Checkpoint.load} refuses a
 * model file, which has no state to resume training from.
 *
 * <h2>Numbers that are not finite</h2>
 * NaN and infinite weights are loaded as they are, bit for bit (NaN payloads included): they are
 * valid float32 values, and refusing them would make a diverged run's checkpoint unreadable when it
 * is most worth inspecting. Finding them is the job of training, which can check for them.
 *
 * <h2>Writing</h2>
 * Saving writes a temporary file {@code .<name>.<random>.tmp} in the target's directory, forces it
 * to the disk, and renames it over the target; on any error the temporary file is deleted and the
 * previous file is untouched.
 *
 * <h2>Reading untrusted files</h2>
 * Sizes are checked against the file's length before anything is allocated, the JSON parser limits
 * nesting (64) and value count (about a million), and every problem is a
 * {@link dev.isthmus.nn.io.ModelFormatException} naming the file, the value and what was expected:
 * a size that a file states but does not contain never causes an {@link java.lang.OutOfMemoryError}.
 */
package dev.isthmus.nn.io;
