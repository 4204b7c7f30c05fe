package sparkonnx.text

/** A text model's tokenizer and how its output becomes one value per text. */
final case class TextModel(tokenizer: TokenizerFile, options: TextOptions) {

  /** `text` tokenized as this model's calls tokenize it. */
  def encode(text: String): Encoded = Tokenizers.encode(tokenizer, options.maxLength, text)
}
